"""The History tab: the paged run table, its filters, run details, comparison and export."""
