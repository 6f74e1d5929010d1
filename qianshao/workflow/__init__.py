"""The workflow mechanism every status uses: a transition table per status field with one
refusal rule, one take/finish pair (``flow``), and the once-per-step record the sweeps use
(``once``). docs/adr/0021."""
