"""Importing districts' own data (CSV, GeoJSON, GeoPackage, Shapefile) with per-row validation."""
