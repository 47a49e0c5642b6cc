"""Test d'hétérogénéité entre territoires au niveau des participants : quelle variance, quelle loi ?

Sous l'hypothèse nulle du scénario `heterogeneite` de `validite.py` (300
instances de 5 à 15 participants, effet aléatoire d'instance d'écart type 1
sur l'échelle logit, réparties au hasard dans six territoires), on compare,
sur les mêmes répliques, l'erreur de type I au seuil 0,05 du test de Wald
conjoint des cinq effets de territoire selon :

- sans poids (``--poids`` absent) : la corrélation de travail de la GEE
  (échangeable ``exch``, indépendance ``ind``), le sandwich (ordinaire
  ``rob`` ou corrigé de Mancl et DeRouen ``md``, statsmodels
  ``cov_type="bias_reduced"``) et la loi de référence (khi-deux à k ddl,
  F(k, G - 1), F(k, G - p), T² de Hotelling (G - k) W / (k (G - 1)) ~ F(k, G - k)) ;
- avec ``--poids`` (poids log-normaux indépendants de l'issue) :
  la variance de plan de sondage ordinaire de `modeles.ajuster_plan`
  (facteur G/(G - 1), ``plan``) ou corrigée de Mancl et DeRouen (``md``),
  avec F(k, G - p) ou khi-deux.

Les répliques utilisent les graines 10000 à 10000 + R - 1 (autres que
celles de `validite.py`). Usage, depuis la racine du dépôt ::

    .venv/bin/python benchmarks/heterogeneite_variantes.py 3000
    .venv/bin/python benchmarks/heterogeneite_variantes.py 3000 --poids
"""

from __future__ import annotations

import argparse
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
import validite as V  # noqa: E402  (même générateur que le banc de validité)


def _replique(rng):
    d = V.simuler_participants(rng, V.NB_INSTANCES)
    territoire = rng.integers(0, len(V.TERRITOIRES), V.NB_INSTANCES)
    d["territoire"] = np.array(V.TERRITOIRES)[territoire[d["id_instance"]]]
    return d


def _wald(params, cov, noms):
    idx = [i for i, n in enumerate(noms) if "territoire" in n]
    b = np.asarray(params)[idx]
    return float(b @ np.linalg.solve(np.asarray(cov)[np.ix_(idx, idx)], b)), len(idx), len(noms)


def sans_poids(graine):
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    d = _replique(np.random.default_rng(graine)).assign(issue=lambda x: x["issue"] * 1.0)
    g, out = d["id_instance"].nunique(), {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for nom, structure in (("exch", sm.cov_struct.Exchangeable()), ("ind", sm.cov_struct.Independence())):
            r = smf.gee("issue ~ C(territoire)", groups="id_instance", data=d, family=sm.families.Binomial(),
                        cov_struct=structure).fit(cov_type="bias_reduced")
            for variance, cov in (("rob", r.cov_robust), ("md", r.cov_robust_bc)):
                w, k, p = _wald(r.params, cov, list(r.params.index))
                out[f"{nom}_{variance}_chi2"] = stats.chi2.sf(w, k) < 0.05
                out[f"{nom}_{variance}_F(G-1)"] = stats.f.sf(w / k, k, g - 1) < 0.05
                out[f"{nom}_{variance}_F(G-p)"] = stats.f.sf(w / k, k, g - p) < 0.05
                out[f"{nom}_{variance}_T2"] = stats.f.sf(w * (g - k) / (k * (g - 1)), k, g - k) < 0.05
    return out


def avec_poids(graine):
    from paquet_analyse import modeles

    rng = np.random.default_rng(graine)
    d = _replique(rng)
    d["poids"] = V._poids_sondage(rng, len(d))
    d["issue"] = d["issue"] * 1.0
    g, out = d["id_instance"].nunique(), {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for biais_reduit in (False, True):
            _, r, _ = modeles.ajuster_plan("issue ~ C(territoire)", d, "id_instance", "poids",
                                            biais_reduit=biais_reduit)
            w, k, p = _wald(r.params, r.cov_params(), list(r.params.index))
            nom = "md" if biais_reduit else "plan"
            out[f"{nom}_F(G-p)"] = stats.f.sf(w / k, k, g - p) < 0.05
            out[f"{nom}_chi2"] = stats.chi2.sf(w, k) < 0.05
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("replications", type=int)
    parser.add_argument("--poids", action="store_true")
    parser.add_argument("--processus", type=int, default=2)
    args = parser.parse_args()
    fonction = avec_poids if args.poids else sans_poids
    graines = range(10_000, 10_000 + args.replications)
    with ProcessPoolExecutor(args.processus) as executeur:
        lignes = list(executeur.map(fonction, graines, chunksize=20))
    rejets = pd.DataFrame(lignes).mean()
    erreur = np.sqrt(rejets * (1 - rejets) / args.replications)
    print(pd.DataFrame({"rejet": rejets, "et_mc": erreur}).round(4).to_string())


if __name__ == "__main__":
    main()
