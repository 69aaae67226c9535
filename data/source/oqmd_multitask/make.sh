#!/usr/bin/env bash
# Builds the multi-task OQMD source set from the four single-property sets beside this folder:
# one row per composition of their union, columns
#   formula,band_gap,formation_enthalpy,volume_per_atom,energy_per_atom
# with an empty cell where a property is not known for that composition (an unlabelled entry for
# the masked multi-output loss). The split is CrabNet's band-gap split (train/val/test.csv), so the
# band-gap column is scored on the same test file as models/elemnet-oqmd-bandgap; compositions that
# only the 102,510-row sets have go to train.csv. Deterministic: band-gap rows in their files'
# order, then the remaining compositions in file order. Formulas are matched as written (all
# files write explicit counts, `La1Pb1Re2`). The outputs are generated and ignored by git (~10 MB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
header="formula,band_gap,formation_enthalpy,volume_per_atom,energy_per_atom"
for split in train val test; do echo "$header" > "$here/$split.csv.tmp"; done
awk -F, -v out="$here" '
  FNR == 1 { file++; next }
  file <= 2 { fe[$1] = $2; if (!($1 in known)) { known[$1] = 1; rest[++n] = $1 } next }   # formation enthalpy parts 1, 2
  file <= 4 { vo[$1] = $2; if (!($1 in known)) { known[$1] = 1; rest[++n] = $1 } next }   # volume per atom (val, test)
  file <= 6 { en[$1] = $2; if (!($1 in known)) { known[$1] = 1; rest[++n] = $1 } next }   # energy per atom (val, test)
  {                                                                                         # band gap: train, val, test
    name = file == 7 ? "train" : file == 8 ? "val" : "test"
    gap[$1] = 1
    print $1 "," $2 "," fe[$1] "," vo[$1] "," en[$1] >> (out "/" name ".csv.tmp")
  }
  END {
    for (i = 1; i <= n; i++) {
      f = rest[i]
      if (!(f in gap)) print f ",," fe[f] "," vo[f] "," en[f] >> (out "/train.csv.tmp")
    }
  }
' "$src/oqmd_formation_enthalpy/part1.csv" "$src/oqmd_formation_enthalpy/part2.csv" \
  "$src/oqmd_volume_per_atom/val.csv" "$src/oqmd_volume_per_atom/test.csv" \
  "$src/oqmd_energy_per_atom/val.csv" "$src/oqmd_energy_per_atom/test.csv" \
  "$src/oqmd_bandgap/train.csv" "$src/oqmd_bandgap/val.csv" "$src/oqmd_bandgap/test.csv"
for split in train val test; do mv "$here/$split.csv.tmp" "$here/$split.csv"; done
wc -l "$here"/{train,val,test}.csv | sed "s|$here/||"
