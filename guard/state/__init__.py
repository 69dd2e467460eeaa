"""What earlier runs saw of each project (owners, uploads), behind a store tests replace."""
