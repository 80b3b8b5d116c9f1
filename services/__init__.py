"""delo's HTTP services (MinIO event intake, queue dashboard). They import `workers`,
never the reverse."""
