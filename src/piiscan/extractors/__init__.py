"""Turn one object's bytes into text segments (and, for containers, member objects)."""
