"""Medborgarlöften: promises, focus areas, activities, follow-ups and the public page."""
