from django.dispatch import Signal

# Sent inside move_cell's transaction, after the cells' paths changed, with old_path and
# new_path: apps that keep a cell's path on their own rows follow it.
cell_moved = Signal()
