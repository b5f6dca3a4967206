"""The demo city (示例数据): fictional, deterministic data marked as demo so it can be purged.

It sits outside crm because it builds every domain (chains, boundaries, records); crm never
imports it, and its commands load shapely and pyproj only when they run.
"""
