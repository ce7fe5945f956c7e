"""The Parquet inventory: schema, atomic writer, reader."""
