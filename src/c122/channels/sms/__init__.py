"""SMS gateways."""
