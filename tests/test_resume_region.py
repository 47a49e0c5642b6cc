"""Résumé publiable d'une région (`resume_region`) : tiré du seul tableau publié, schéma du dictionnaire,
validé par frictionless, retouches trouvées et nommées."""

from __future__ import annotations

import hashlib
import io
import json
import math
import warnings
from pathlib import Path

import frictionless
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable

import resumes_simules
from paquet_analyse import analyses, dictionnaire, diffusion, hypotheses, modeles, regions_simulees, resume_region
from paquet_analyse.erreurs import ErreurDonnees

REGION = regions_simulees.DEMONSTRATION[0]
NUMERIQUES_PUBLIES = ("effectif", "nb_grappes", "estimation", "ic_bas", "ic_haut", "statistique", "ddl", "p_valeur",
                      "p_ajustee")


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """Une région simulée préparée en mémoire, son tableau publié (octets) et son résumé (octets)."""
    dossier = tmp_path_factory.mktemp("region") / REGION.jeu
    p = resumes_simules.preparer_region(REGION, dossier)
    publie = resumes_simules.tableau_publie(p.donnees)
    manifeste = resumes_simules.manifeste_reduit(dossier, p.donnees, p.plan_texte)
    fichiers = resume_region.construire(publie, manifeste, plan=p.donnees.plan,
                                        descripteur_jeu=p.donnees.jeu.descripteur, nom_jeu=REGION.jeu)
    return {"donnees": p.donnees, "publie": publie, "manifeste": manifeste, "fichiers": fichiers, "dossier": dossier}


def _lire(octets: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(octets))


def _ecrire(dossier: Path, fichiers: dict) -> Path:
    dossier.mkdir(parents=True, exist_ok=True)
    for nom, octets in fichiers.items():
        (dossier / nom).write_bytes(octets)
    return dossier


def _rehacher(fichiers: dict) -> dict:
    """Un résumé dont le CSV a été modifié, avec un descripteur remis d'accord (SHA-256 et taille)."""
    desc = json.loads(fichiers[resume_region.FICHIER_DESCRIPTEUR])
    csv = fichiers[resume_region.FICHIER_HYPOTHESES]
    desc["resources"][0].update(bytes=len(csv), hash=f"sha256:{hashlib.sha256(csv).hexdigest()}")
    return {**fichiers, resume_region.FICHIER_DESCRIPTEUR: json.dumps(desc, ensure_ascii=False).encode("utf-8")}


def test_valeurs_publiees_recopiees_telles_quelles(region):
    """Tout nombre du résumé qui existe dans le tableau publié y est identique, vide compris : rien de plus
    précis ni de non publié n'entre dans le résumé."""
    publie = _lire(region["publie"])
    resume = _lire(region["fichiers"][resume_region.FICHIER_HYPOTHESES])
    assert resume["id"].tolist() == publie["id"].tolist()
    for c in NUMERIQUES_PUBLIES:
        pd.testing.assert_series_equal(resume[c].astype(float), publie[c].astype(float), check_names=False)
    assert list(resume.columns) == resume_region.COLONNES
    # l'effectif est une marge, publiée exactement (README, « Confidentialité », règle 1) : celui du calcul
    d = region["donnees"]
    for id_ in ("H1b", "H6a"):
        t, _, _ = hypotheses.tableau_analyse(d, d.plan.hypothese(id_), avec_territoire=True)
        assert resume.set_index("id").loc[id_, "effectif"] == len(t), id_


def _demi_ecart(x: float, regle: tuple[str, int]) -> float:
    """La plus grande erreur d'arrondi d'une valeur publiée à la précision `regle` (`diffusion.PRECISION`)."""
    nature, chiffres = regle
    rang = math.floor(math.log10(abs(x))) - (chiffres - 1) if nature == "significatifs" else -chiffres
    return 0.5 * 10.0 ** rang


def _tolerance_erreur_type(ligne) -> float:
    """Écart permis entre l'erreur type déduite de l'IC publié et celle du calcul : l'IC est publié à précision
    fixe (rapport de cotes : 3 chiffres significatifs ; écart : 2 décimales), l'erreur type en hérite."""
    regle = diffusion.PRECISION_ESTIMATION[ligne["mesure"]]
    bas, haut, q = float(ligne["ic_bas"]), float(ligne["ic_haut"]), float(ligne["quantile_ic"])
    if ligne["mesure"] == "rapport_cotes":  # d ln x = dx / x
        return (_demi_ecart(bas, regle) / bas + _demi_ecart(haut, regle) / haut) / (2 * q) * 1.001
    return (_demi_ecart(bas, regle) + _demi_ecart(haut, regle)) / (2 * q) * 1.001


def test_erreurs_types_deduites_egales_a_celles_des_modeles(region):
    """L'erreur type que le résumé déduit de l'IC publié est celle du calcul, à l'arrondi de l'IC publié près
    (précision fixe de la publication, `diffusion.PRECISION_ESTIMATION`) : Mantel-Haenszel (H1b, sur les
    strates publiées) comparé à la variance de Robins-Breslow-Greenland calculée à part par statsmodels
    (`StratifiedTable.logodds_pooled_se`) ; GEE (H1c) et moindres carrés robustes aux grappes, loi de Student
    (H6a), comparés à l'erreur type du modèle (`modeles`)."""
    d = region["donnees"]
    resume = _lire(region["fichiers"][resume_region.FICHIER_HYPOTHESES]).set_index("id")
    plan = d.plan
    h = plan.hypothese("H1b")
    t, _, _ = hypotheses.tableau_analyse(d, h, avec_territoire=True)
    strates = diffusion.strates_region(d).get("H1b")
    t["strate"] = t["territoire"].map(strates) if strates else t["territoire"]
    tables = [pd.crosstab(b[h.exposition], b[h.issue]).reindex(index=[False, True], columns=[False, True],
                                                               fill_value=0).to_numpy()
              for _, b in t.groupby("strate")]
    attendu = StratifiedTable(tables).logodds_pooled_se
    assert resume.loc["H1b", "erreur_type"] == pytest.approx(attendu, abs=_tolerance_erreur_type(resume.loc["H1b"]))
    assert resume.loc["H1b", "erreur_type"] == pytest.approx(attendu, rel=0.01)  # l'arrondi coûte peu
    for id_, modele in (("H1c", modeles.regression_logistique), ("H6a", modeles.regression_lineaire)):
        h = plan.hypothese(id_)
        t, _, _ = hypotheses.tableau_analyse(d, h, avec_territoire=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = modele(t, h.formule("C(territoire)"), grappes=h.grappes)
        terme = r[r["terme"] == f"{h.exposition}[T.True]"].iloc[0]
        assert resume.loc[id_, "erreur_type"] == pytest.approx(terme["erreur_type"],
                                                               abs=_tolerance_erreur_type(resume.loc[id_])), id_
    assert resume.loc["H6a", "echelle"] == "identite" and resume.loc["H1c", "echelle"] == "log"
    assert resume.loc["H1c", "estimation_echelle"] == pytest.approx(math.log(resume.loc["H1c", "estimation"]))


def test_paquet_valide_par_frictionless(region, tmp_path):
    """Le paquet écrit se valide avec la bibliothèque frictionless (schéma, taille, SHA-256)."""
    dossier = _ecrire(tmp_path / "resume", region["fichiers"])
    rapport = frictionless.validate(str(dossier / resume_region.FICHIER_DESCRIPTEUR))
    assert rapport.valid, rapport.flatten(["type", "note"])
    paquet = frictionless.Package(str(dossier / resume_region.FICHIER_DESCRIPTEUR))
    lignes = paquet.get_resource("hypotheses").read_rows()
    assert [r["id"] for r in lignes] == _lire(region["fichiers"][resume_region.FICHIER_HYPOTHESES])["id"].tolist()


def test_schema_tire_du_dictionnaire(region):
    desc = json.loads(region["fichiers"][resume_region.FICHIER_DESCRIPTEUR])
    champs = {c["name"]: c for c in desc["resources"][0]["schema"]["fields"]}
    assert [c["name"] for c in desc["resources"][0]["schema"]["fields"]] == resume_region.COLONNES
    assert champs["exposition"]["constraints"]["enum"] == list(dictionnaire.noms_variables())
    assert set(champs["niveau"]["constraints"]["enum"]) == {"instances", "participants"}
    assert dictionnaire.libelle_table("participants") in champs["niveau"]["description"]
    assert f"version {dictionnaire.version()}" in champs["issue"]["description"]
    bloc = desc[resume_region.CLE]
    assert bloc["dictionnaire"]["version"] == dictionnaire.version()
    assert bloc["variables"]["descendante"] == dictionnaire.libelle("descendante")
    assert bloc["simule"] is True and "SIMULÉES" in desc["title"]
    assert "DÉDUITE" in champs["erreur_type"]["description"]  # le schéma dit d'où vient l'erreur type


def test_provenance_du_manifeste_et_plan(region):
    bloc = json.loads(region["fichiers"][resume_region.FICHIER_DESCRIPTEUR])[resume_region.CLE]
    m = region["manifeste"]
    assert bloc["provenance"]["fichiers_bruts_sha256"] == m["fichiers_bruts_sha256"]
    assert bloc["plan"]["sha256"] == m["plan_sha256"]
    assert bloc["synthese_publiee_sha256"] == hashlib.sha256(region["publie"]).hexdigest()
    definies = bloc["plan"]["hypotheses"]
    assert definies["H1a"]["exposition"] == "descendante" and definies["H1a"]["methode"] == "association"
    assert bloc["nb_territoires"] == REGION.nb_territoires


def test_octets_deterministes_sans_chemin_absolu(region):
    d = region["donnees"]
    encore = resume_region.construire(region["publie"], region["manifeste"], plan=d.plan,
                                      descripteur_jeu=d.jeu.descripteur, nom_jeu=REGION.jeu)
    assert encore == region["fichiers"]
    for octets in encore.values():
        assert str(region["dossier"].parent).encode() not in octets


def _publie(**modifs) -> pd.DataFrame:
    ligne = {"id": "H1a", "famille": "H1", "question": "Q ?", "niveau": "instances", "exposition": "descendante",
             "issue": "deficit_participation", "test": "Wald (Mantel-Haenszel)", "estimateur": "RC commun",
             "effectif": 275, "nb_grappes": np.nan, "mesure": "rapport_cotes", "estimation": 2.0, "ic_bas": 1.0,
             "ic_haut": 4.0, "statistique": 3.8, "ddl": 1, "p_valeur": 0.05, "famille_ajustement": "f",
             "p_ajustee": 0.1, "statut": "ok", "note": np.nan, "case_sous_le_seuil": False}
    ligne.update(modifs)
    return pd.DataFrame([ligne])


def test_erreur_type_wald_et_student():
    wald = resume_region.deriver(_publie(), seuil=5).iloc[0]
    assert wald["erreur_type"] == pytest.approx(math.log(4.0) / (2 * 1.959963984540054))
    assert wald["estimation_echelle"] == pytest.approx(math.log(2.0)) and wald["combinable"]
    student = resume_region.deriver(_publie(test="t de Student", ddl=10, mesure="difference", estimation=-3.0,
                                            ic_bas=-5.0, ic_haut=-1.0), seuil=5).iloc[0]
    assert student["echelle"] == "identite" and student["quantile_ic"] == pytest.approx(2.228138851986274)
    assert student["erreur_type"] == pytest.approx(4.0 / (2 * 2.228138851986274))


@pytest.mark.parametrize("modifs, motif", [
    ({"estimation": np.nan, "ic_bas": np.nan, "ic_haut": np.nan, "case_sous_le_seuil": True}, "confidentialité"),
    ({"estimation": np.nan, "ic_bas": np.nan, "ic_haut": np.nan}, "retenue par les règles de diffusion"),
    ({"estimation": np.inf, "ic_bas": np.nan, "ic_haut": np.nan}, "nulle ou infinie"),
    ({"ic_bas": np.nan}, "intervalle de confiance non publié"),
    ({"statut": "non_estimable", "note": "Séparation complète"}, "non estimable dans cette région : Séparation"),
    ({"mesure": "homogeneite", "estimation": np.nan}, "homogénéité"),
    ({"test": "t de Student", "ddl": np.nan}, "ddl non publiés"),
])
def test_lignes_non_combinables_avec_leur_motif(modifs, motif):
    ligne = resume_region.deriver(_publie(**modifs), seuil=5).iloc[0]
    assert not ligne["combinable"] and motif in ligne["motif"]
    assert math.isnan(ligne["erreur_type"])


def test_tableau_publie_sans_une_colonne():
    with pytest.raises(ErreurDonnees, match="synthese_hypotheses.csv : colonne.*ic_haut"):
        resume_region.deriver(_publie().drop(columns=["ic_haut"]), seuil=5)


def test_resume_intact_accepte(region):
    lu, problemes = resume_region.verifier(region["fichiers"], source="region_a", manifeste=None)
    assert problemes == [] and lu.region == REGION.region and lu.simule
    assert lu.hypotheses["combinable"].any() and not lu.verifie_par_manifeste


def test_retouche_du_tableau_trouvee_et_nommee(region):
    csv = region["fichiers"][resume_region.FICHIER_HYPOTHESES]
    retouche = csv.replace(b",2.", b",3.", 1)
    assert retouche != csv
    lu, problemes = resume_region.verifier({**region["fichiers"], resume_region.FICHIER_HYPOTHESES: retouche},
                                           source="region_a")
    assert lu is None
    texte = "\n".join(p.en_texte() for p in problemes)
    assert "region_a/hypotheses.csv" in texte and "SHA-256" in texte and "modifié" in texte


def test_retouche_remise_d_accord_trouvee_par_les_valeurs_deduites(region):
    """Une estimation changée avec un descripteur re-haché : l'erreur type ou le log ne se recalculent plus."""
    resume = _lire(region["fichiers"][resume_region.FICHIER_HYPOTHESES])
    i = int(np.flatnonzero(resume["combinable"])[0])
    resume.loc[i, "estimation"] = resume.loc[i, "estimation"] * 1.5
    tampon = io.StringIO()
    resume.to_csv(tampon, index=False, lineterminator="\n", float_format="%.10g")
    fichiers = _rehacher({**region["fichiers"], resume_region.FICHIER_HYPOTHESES: tampon.getvalue().encode()})
    _, problemes = resume_region.verifier(fichiers, source="region_a")
    assert problemes and all(p.regle == "valeur_deduite" for p in problemes)
    assert problemes[0].ligne == i + 2 and problemes[0].colonne == "estimation_echelle"
    assert resume.loc[i, "id"] in problemes[0].message


def test_valeur_hors_schema_trouvee(region):
    csv = region["fichiers"][resume_region.FICHIER_HYPOTHESES].replace(b",descendante,", b",inventee,", 1)
    _, problemes = resume_region.verifier(_rehacher({**region["fichiers"], resume_region.FICHIER_HYPOTHESES: csv}),
                                          source="region_a")
    assert any(p.regle == "schema:constraint-error" and p.colonne == "exposition" and p.valeur == "inventee"
               for p in problemes)


def test_manifeste_joint_qui_ne_concorde_pas(region):
    manifeste = {"resume_region_sha256": {"resume_region/datapackage.json": "0" * 64}}
    _, problemes = resume_region.verifier(region["fichiers"], source="region_a", manifeste=manifeste)
    assert [p.regle for p in problemes] == ["manifeste"] and "datapackage.json" in problemes[0].fichier


def test_format_inconnu_refuse(region):
    desc = json.loads(region["fichiers"][resume_region.FICHIER_DESCRIPTEUR])
    desc[resume_region.CLE]["version_format"] = 99
    fichiers = {**region["fichiers"], resume_region.FICHIER_DESCRIPTEUR: json.dumps(desc).encode()}
    _, problemes = resume_region.verifier(fichiers, source="region_a")
    assert problemes[0].regle == "version_format" and "99" in problemes[0].message


def test_bloc_incomplet_refuse_sans_trace(region):
    desc = json.loads(region["fichiers"][resume_region.FICHIER_DESCRIPTEUR])
    del desc[resume_region.CLE]["plan"]["hypotheses"], desc[resume_region.CLE]["diffusion"]
    fichiers = {**region["fichiers"], resume_region.FICHIER_DESCRIPTEUR: json.dumps(desc).encode()}
    _, problemes = resume_region.verifier(fichiers, source="region_a")
    assert [p.regle for p in problemes] == ["format"]
    assert "plan.hypotheses" in problemes[0].message and "diffusion.seuil_confidentialite" in problemes[0].message
