"""finplatform's layer components, one module per architecture layer."""
