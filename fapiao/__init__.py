"""Application shell: settings, services wiring capture/classify/store, and the CLI."""
