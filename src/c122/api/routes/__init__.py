"""HTTP routes, thin: parse, call one use case, shape the answer."""
