"""Tables of the Regional Stability Monitor: schemas, loaders, bundled data, importers and the store."""
