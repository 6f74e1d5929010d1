"""The resources' tallies (docs/adr/0023): their counters, kept by ``grid.tallies`` in the
resources' own table. Each part declares how its figures are counted from its own rows
(``recounts``); ``rebuild`` and ``matches`` use those."""

from qianshao.grid.tallies import Tallies
from qianshao.resources.models import Tally

TALLIES = Tallies(Tally)

recounts = TALLIES.recounts
add = TALLIES.add
add_many = TALLIES.add_many
move = TALLIES.move
read = TALLIES.read
read_many = TALLIES.read_many
recount = TALLIES.recount
rebuild = TALLIES.rebuild
matches = TALLIES.matches
