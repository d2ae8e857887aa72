"""Pure geometry for Tryggkartan: projections, boundaries, hot spots and map building.

Nothing in this package imports Flask; it takes plain values and returns plain values,
GeoJSON dicts or folium maps.
"""
