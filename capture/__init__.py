"""Image → invoice fields. Pure: no database, no web, no settings import."""
