"""Staff endpoints under ``/admin``. Every route requires ``ADMIN_TOKEN``."""
