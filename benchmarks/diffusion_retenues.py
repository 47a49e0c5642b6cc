"""Ce que coûte la protection de la publication : combien de nombres publiés, combien retenus, par sortie.

Compte, dans un dossier de résultats (`resultats/<jeu>/`), pour chaque tableau publié (`tableaux/*.csv`), les
cellules des colonnes de nombres (statistiques et comptes) publiées et celles laissées vides parce que
retenues ; pour chaque carnet exécuté, les cases « x » de ses tableaux affichés ; et, pour les hypothèses de
portée région (H1 à H6), lesquelles ont une estimation publiée.

    python benchmarks/diffusion_retenues.py resultats/lanaudiere [autre_dossier]

Deux dossiers : la publication d'avant et celle d'aujourd'hui, côte à côte (les chiffres sont dans
benchmarks/README.md, « Publication protégée comme un tout »).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd

NOMBRES = ("effectif", "manquants", "hors_definition", "estimation", "ic_bas", "ic_haut", "statistique", "p_valeur",
           "p_ajustee", "puissance", "proportion", "moyenne", "ecart_type", "rapport_cotes", "part_instances_isolees",
           "max_organisations_partagees", "nb_sieges_sans_organisation")


def _csv(dossier: Path) -> dict:
    sortie = {}
    for chemin in sorted((dossier / "tableaux").glob("*.csv")):
        t = pd.read_csv(chemin)
        colonnes = [c for c in NOMBRES if c in t.columns]
        if "statut" in t.columns:  # une statistique sans objet (non estimable, homogénéité sans RC) n'est pas retenue
            t = t[t["statut"] == "ok"]
        if "mesure" in t.columns:
            sans_objet = t["mesure"] == "homogeneite"
        else:
            sans_objet = pd.Series(False, index=t.index)
        # Vides par construction, non retenus : la p ajustée d'un test hors famille (territoires exploratoires)
        # et la statistique d'un test exact (Blaker n'en a pas).
        sans_objet_colonne = {}
        if "famille_ajustement" in t.columns:
            sans_objet_colonne["p_ajustee"] = t["famille_ajustement"].isna()
        if "test" in t.columns:
            sans_objet_colonne["statistique"] = t["test"].fillna("").str.startswith("exact")
        publies = retenus = 0
        for c in colonnes:
            masque = sans_objet if c in ("estimation", "ic_bas", "ic_haut") else sans_objet_colonne.get(c)
            x = t[c] if masque is None else t.loc[~masque, c]
            publies += int(x.notna().sum())
            retenus += int(x.isna().sum())
        sortie[chemin.name] = (publies, retenus)
    return sortie


def _carnets(dossier: Path) -> dict:
    sortie = {}
    for chemin in sorted((dossier / "carnets").rglob("*.ipynb")):
        nb = json.loads(chemin.read_text(encoding="utf-8"))
        x = 0
        for cellule in nb["cells"]:
            for s in cellule.get("outputs", []):
                html = "".join(s.get("data", {}).get("text/html", ""))
                x += len(re.findall(r"<td[^>]*>\s*x\s*</td>", html))
        sortie[chemin.relative_to(dossier / "carnets").as_posix()] = x
    return sortie


def _region(dossier: Path) -> str:
    t = pd.read_csv(dossier / "tableaux" / "synthese_hypotheses.csv")
    t = t[t["mesure"] != "homogeneite"]
    publiees = t.loc[t["estimation"].notna(), "id"].tolist()
    return f"{len(publiees)}/{len(t)} ({', '.join(publiees)})"


def main(dossiers: list[str]) -> None:
    mesures = {d: (_csv(Path(d)), _carnets(Path(d)), _region(Path(d))) for d in dossiers}
    noms = sorted({n for csv, _, _ in mesures.values() for n in csv})
    print("| tableau | " + " | ".join(f"{d} : publiés / retenus" for d in dossiers) + " |")
    print("|---|" + "---|" * len(dossiers))
    for n in noms:
        print(f"| {n} | " + " | ".join("%d / %d" % mesures[d][0].get(n, (0, 0)) for d in dossiers) + " |")
    totaux = [tuple(sum(v[i] for v in mesures[d][0].values()) for i in (0, 1)) for d in dossiers]
    print("| **total** | " + " | ".join(f"**{p} / {r}**" for p, r in totaux) + " |")
    print()
    carnets = sorted({n for _, c, _ in mesures.values() for n in c})
    print("| carnet (cases « x » affichées) | " + " | ".join(dossiers) + " |")
    print("|---|" + "---|" * len(dossiers))
    for n in carnets:
        print(f"| {n} | " + " | ".join(str(mesures[d][1].get(n, 0)) for d in dossiers) + " |")
    print()
    for d in dossiers:
        print(f"Hypothèses de la région avec une estimation publiée, {d} : {mesures[d][2]}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["resultats/lanaudiere"])
