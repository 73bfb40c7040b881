"""The database backend: django-tenants' schema switching, with the search_path applied only when
it changes and, behind a transaction pooler, inside every transaction (config.database.base)."""
