"""С-122: platform for regional 122 hotlines."""
