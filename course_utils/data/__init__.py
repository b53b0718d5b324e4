"""One module per data source; every generator is seeded and needs no download."""
