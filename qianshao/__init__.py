"""Qianshao (前哨): grassroots emergency management on the grid."""
