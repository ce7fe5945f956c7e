"""Where objects come from: local or mounted paths, SMB shares."""
