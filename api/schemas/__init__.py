"""Request and response bodies, separate per use: create / update / public."""
