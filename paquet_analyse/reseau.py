"""Réseau inter-concertations et mesures d'hyperconcertation.

Le diagnostic de Bourque (2010) sur la concertation au Québec est celui de
l'*hyperconcertation* : les mêmes acteurs sont sur-sollicités par des tables
toujours plus nombreuses, les liens entre concertations sont rares et la
coordination fait défaut. Ce module le rend mesurable à partir des tables
``instances`` et ``participants`` :

- le graphe biparti (à deux modes) organisations x instances ;
- ses projections pondérées sur les instances (poids = nombre d'organisations
  partagées) et sur les organisations (poids = nombre de tables communes) ;
- des mesures par territoire et pour l'ensemble (densité, composantes,
  instances isolées, centralisation de degré, taux pour 10 000 habitants) ;
- la charge de chaque organisation (tables, territoires, heures par mois) et
  l'indicateur ``sur_sollicitation`` ;
- la comparaison de la connexion des instances selon la logique d'initiation
  (descendante ou ascendante).

Les graphes rendus (``graphe_biparti``, projections, disposition) sont ceux
de networkx. Les mesures (``mesures_reseau``, ``connexion_selon_logique``,
``nb_liens_instances``) passent par la matrice d'incidence creuse B
(instances x organisations, ``scipy.sparse``) et la projection A = B Bᵀ :
à l'échelle d'une province (6 000 instances, des organisations régionales à
des centaines de tables, 4,4 millions de paires liées), la projection
networkx coûtait des minutes et des Gio ; la matrice creuse, quelques
secondes et une centaine de Mio. Mêmes définitions et mêmes nombres, à la
dernière décimale, que les fonctions de networkx (vérifié par
``tests/test_reseau.py`` contre l'ancien calcul networkx). Seule la
centralisation de Freeman (1979), absente de networkx, est écrite ici. Les
sorties sont des ``pandas.DataFrame`` triés, aux colonnes françaises fixes,
identiques octet pour octet d'une exécution à l'autre.

Toute fonction publique qui lit les tables les prend dans l'ordre du livre de
codes : ``fonction(instances, participants, ...)`` ; les options sont
nommées (après ``*``). Les erreurs sont celles de :mod:`paquet_analyse.erreurs`
(``ErreurDonnees``, ``ErreurEffectifs``), toutes sous-classes de
``ValueError``.
"""

from __future__ import annotations

from math import comb
from numbers import Integral, Real

import networkx as nx
import numpy as np
import pandas as pd
from networkx.algorithms import bipartite

from paquet_analyse import controles, dictionnaire
from paquet_analyse.erreurs import ErreurDonnees, ErreurEffectifs

__all__ = [
    "LOGIQUE_PAR_INITIATEUR",
    "ETIQUETTE_ENSEMBLE",
    "graphe_biparti",
    "projection_instances",
    "graphe_instances",
    "projection_organisations",
    "mesures_reseau",
    "charge_organisations",
    "organisations_plus_sollicitees",
    "connexion_selon_logique",
    "disposition",
    "nb_liens_instances",
]

#: Logique d'initiation selon l'initiateur (CONCEPTION.md, section 3.3).
# règle du dictionnaire (source unique)
LOGIQUE_PAR_INITIATEUR = dictionnaire.logique_initiateur()

#: Étiquette de la ligne qui agrège tous les groupes dans ``mesures_reseau``.
ETIQUETTE_ENSEMBLE = "Ensemble"

#: Étiquette d'un groupe dont la valeur est manquante.
ETIQUETTE_NON_RENSEIGNE = "(non renseigné)"

MODE_ORGANISATION = "organisation"
MODE_INSTANCE = "instance"

COLONNES_MESURES = [
    "nb_instances",
    "nb_organisations",
    "nb_sieges",
    "nb_sieges_sans_organisation",
    "nb_liens",
    "densite",
    "nb_composantes",
    "part_instances_isolees",
    "moy_organisations_partagees",
    "max_organisations_partagees",
    "degre_pondere_moyen",
    "centralisation_degre",
    "population",
    "concertations_par_10000",
]

COLONNES_CHARGE = [
    "id_organisation",
    "nb_instances",
    "nb_sieges",
    "nb_territoires",
    "heures_mois_total",
    "nb_heures_manquantes",
    "nb_concertations_declare_max",
    "sur_sollicitation",
]

COLONNES_CONNEXION = [
    "mesure",
    "groupe_1",
    "groupe_2",
    "n_1",
    "n_2",
    "moyenne_1",
    "moyenne_2",
    "mediane_1",
    "mediane_2",
    "difference",
    "statistique",
    "p_valeur",
    "alternative",
    "methode",
]



# ---------------------------------------------------------------------------
# Validation et préparation des tables
# ---------------------------------------------------------------------------


#: Colonnes propres à la table ``participants`` (livre de codes) : leur
#: présence dans la table passée comme ``instances`` trahit une inversion.
_COLONNES_PARTICIPANTS = ("id_organisation", "id_repondant")


def _verifier_tables(instances, participants, fonction: str) -> None:
    """Types des deux tables et ordre ``fonction(instances, participants, ...)``.

    ``instances`` peut valoir None (seulement pour :func:`charge_organisations`).
    """
    if instances is not None:
        controles.verifier_dataframe(instances, "instances")
    controles.verifier_dataframe(participants, "participants")
    if instances is None:
        return
    propres = [c for c in _COLONNES_PARTICIPANTS if c in instances.columns]
    if propres and not any(c in participants.columns for c in _COLONNES_PARTICIPANTS):
        raise ErreurDonnees(
            f"Arguments inversés ? {fonction}() prend les tables dans l'ordre "
            f"{fonction}(instances, participants, ...) ; la table passée en "
            f"premier a la ou les colonnes {controles.lister(propres)}, propres à la table "
            "« participants ». Échangez les deux premiers arguments."
        )


def _en_texte(serie: pd.Series) -> pd.Series:
    """Identifiants en ``str`` (objet), valeurs manquantes et vides en ``None``."""
    texte = serie.astype(object).map(lambda v: str(v).strip(), na_action="ignore")
    return texte.where(texte.notna() & (texte != ""), None)


def _logiques(instances: pd.DataFrame) -> pd.Series:
    """``logique_initiateur`` lue si présente, sinon dérivée de ``initiateur``."""
    if "logique_initiateur" in instances.columns:
        logiques = _en_texte(instances["logique_initiateur"])
        admises = set(LOGIQUE_PAR_INITIATEUR.values())
        inconnues = sorted(set(logiques.dropna()) - admises)
        if inconnues:
            raise ErreurDonnees(
                "La colonne « logique_initiateur » de la table « instances » "
                f"contient des valeurs inconnues : {controles.lister(inconnues)}. Valeurs "
                f"admises : {controles.lister(sorted(admises))}. Corrigez ces valeurs, ou "
                "retirez la colonne pour que la logique soit dérivée de "
                "« initiateur »."
            )
        return logiques
    if "initiateur" not in instances.columns:
        return pd.Series(None, index=instances.index, dtype=object)
    initiateurs = _en_texte(instances["initiateur"])
    inconnus = sorted(set(initiateurs.dropna()) - set(LOGIQUE_PAR_INITIATEUR))
    if inconnus:
        raise ErreurDonnees(
            "La colonne « initiateur » de la table « instances » contient des "
            f"codes inconnus : {controles.lister(inconnus)}. Codes admis : "
            f"{controles.lister(LOGIQUE_PAR_INITIATEUR)}. Recodez ces valeurs (section "
            "« correspondance » de jeu.yml) ou laissez-les manquantes."
        )
    return initiateurs.map(LOGIQUE_PAR_INITIATEUR, na_action="ignore")


def _preparer_instances(instances: pd.DataFrame) -> pd.DataFrame:
    """Copie validée : identifiants uniques et non manquants, logique ajoutée."""
    controles.verifier_table(instances, ["id_instance", "territoire"], "instances")
    table = instances.copy()
    table["id_instance"] = _en_texte(table["id_instance"])
    manquants = table.index[table["id_instance"].isna()]
    if len(manquants):
        raise ErreurDonnees(
            "La table « instances » a des « id_instance » manquants (lignes "
            f"{controles.lister(manquants)}). Chaque instance doit avoir un identifiant : "
            "complétez-les ou retirez ces lignes."
        )
    doublons = sorted(set(table.loc[table["id_instance"].duplicated(), "id_instance"]))
    if doublons:
        raise ErreurDonnees(
            "La colonne « id_instance » de la table « instances » doit être "
            f"unique ; identifiants en double : {controles.lister(doublons)}. Gardez une "
            "seule ligne par instance ou renumérotez les doublons."
        )
    table["territoire"] = _en_texte(table["territoire"])
    table["logique_initiateur"] = _logiques(table)
    return table


def _preparer_participants(instances, participants, colonnes=()) -> pd.DataFrame:
    """Copie validée ; toute instance inconnue lève ``ErreurDonnees``.

    ``instances`` est la table déjà préparée (:func:`_preparer_instances`) ou
    None (aucun contrôle des ``id_instance``).
    """
    requises = ["id_instance", "id_organisation", *colonnes]
    controles.verifier_table(participants, requises, "participants")
    table = participants.copy()
    table["id_instance"] = _en_texte(table["id_instance"])
    table["id_organisation"] = _en_texte(table["id_organisation"])
    if instances is not None:
        manquants = table.index[table["id_instance"].isna()]
        if len(manquants):
            raise ErreurDonnees(
                "La table « participants » a des « id_instance » manquants (lignes "
                f"{controles.lister(manquants)}). Chaque siège doit renvoyer à une instance : "
                "complétez « id_instance » ou retirez ces lignes."
            )
        connues = list(instances["id_instance"])
        inconnues = ~table["id_instance"].isin(connues)
        if inconnues.any():
            valeurs = sorted(table.loc[inconnues, "id_instance"].unique())
            raise ErreurDonnees(
                "La table « participants » renvoie à des instances absentes de "
                f"la table « instances » ({int(inconnues.sum())} lignes) : "
                f"{controles.lister(valeurs)}. Corrigez « id_instance » ou ajoutez ces "
                "instances."
            )
    return table


def _colonne_numerique(table, colonne: str, *, minimum: float) -> pd.Series:
    """Colonne convertie en nombres ; valeurs non numériques ou < minimum refusées."""
    brute = table[colonne]
    valeurs = pd.to_numeric(brute.astype(object), errors="coerce").astype(float)
    fautives = table.index[(brute.notna() & valeurs.isna()) | (valeurs < minimum)]
    if len(fautives):
        raise ErreurDonnees(
            f"La colonne « {colonne} » de la table « participants » doit être "
            f"numérique et >= {minimum:g} ; valeurs fautives aux lignes "
            f"{controles.lister(fautives)} : {controles.lister(brute.loc[fautives])}. Corrigez ces "
            "valeurs ou laissez-les manquantes."
        )
    return valeurs


def _verifier_graine(graine) -> None:
    """Graine entière ; sinon ``ErreurDonnees`` qui dit quoi passer."""
    if isinstance(graine, bool) or not isinstance(graine, Integral):
        raise ErreurDonnees(
            f"L'option « graine » doit être un entier (reçu : {graine!r}) ; "
            "passez par exemple graine=20100408 pour des résultats reproductibles."
        )


def _verifier_entier_positif(valeur, nom: str) -> None:
    """Option entière >= 1 ; sinon ``ErreurDonnees`` qui dit quoi passer."""
    if isinstance(valeur, bool) or not isinstance(valeur, Integral) or valeur < 1:
        raise ErreurDonnees(
            f"L'option « {nom} » doit être un entier >= 1 (reçu : {valeur!r}) ; "
            f"passez par exemple {nom}=10."
        )


# ---------------------------------------------------------------------------
# Construction des graphes
# ---------------------------------------------------------------------------


def _noeud(mode: str, code: str) -> tuple[str, str]:
    """Nom de nœud du graphe biparti : le mode évite toute collision de codes."""
    return (mode, code)


def _graphe_trie(graphe: nx.Graph) -> nx.Graph:
    """Copie dont les nœuds et les arêtes sont insérés dans l'ordre trié."""
    trie = nx.Graph()
    trie.graph.update(graphe.graph)
    trie.add_nodes_from(sorted(graphe.nodes(data=True), key=lambda n: n[0]))
    aretes = (((u, v) if u <= v else (v, u), d) for u, v, d in graphe.edges(data=True))
    trie.add_edges_from((u, v, d) for (u, v), d in sorted(aretes, key=lambda a: a[0]))
    return trie


def graphe_biparti(instances: pd.DataFrame, participants: pd.DataFrame) -> nx.Graph:
    """Graphe biparti (à deux modes) organisations x instances.

    Parameters
    ----------
    instances : pandas.DataFrame
        Une ligne par instance ; colonnes ``id_instance`` (unique),
        ``territoire`` et ``initiateur`` ou ``logique_initiateur``.
    participants : pandas.DataFrame
        Une ligne par siège ; colonnes ``id_instance`` et ``id_organisation``
        (code pseudonyme, peut manquer : ces sièges sont comptés dans
        ``graphe.graph["nb_sieges_sans_organisation"]`` mais ne créent pas
        d'arête).

    Returns
    -------
    networkx.Graph
        Nœuds ``("organisation", code)`` (attribut ``bipartite=0``) et
        ``("instance", id_instance)`` (``bipartite=1``, ``territoire``,
        ``logique``) ; chaque nœud porte aussi ``mode`` et ``code``. Toutes les
        instances sont présentes, même sans participant. Arêtes : attribut
        ``nb_sieges`` (sièges de l'organisation à cette table).

    Raises
    ------
    ErreurDonnees
        Tables inversées (la première a ``id_organisation`` ou
        ``id_repondant``), colonne absente, identifiant d'instance manquant ou
        en double, code d'initiateur inconnu, ou participant renvoyant à une
        instance inconnue.

    Examples
    --------
    >>> import pandas as pd
    >>> inst = pd.DataFrame({"id_instance": ["A", "B"], "territoire": ["T", "T"],
    ...                      "initiateur": ["cisss", "citoyens"]})
    >>> part = pd.DataFrame({"id_instance": ["A", "B", "B"],
    ...                      "id_organisation": ["o1", "o1", None]})
    >>> g = graphe_biparti(inst, part)
    >>> sorted(g.nodes)
    [('instance', 'A'), ('instance', 'B'), ('organisation', 'o1')]
    >>> g.graph["nb_sieges_sans_organisation"]
    1
    """
    _verifier_tables(instances, participants, "graphe_biparti")
    instances = _preparer_instances(instances)
    participants = _preparer_participants(instances, participants)
    connus = participants.dropna(subset=["id_organisation"])
    graphe = nx.Graph(nb_sieges_sans_organisation=len(participants) - len(connus))
    for code in sorted(set(connus["id_organisation"])):
        graphe.add_node(_noeud(MODE_ORGANISATION, code), bipartite=0,
                        mode=MODE_ORGANISATION, code=code)
    for ligne in instances.sort_values("id_instance").itertuples(index=False):
        graphe.add_node(_noeud(MODE_INSTANCE, ligne.id_instance), bipartite=1,
                        mode=MODE_INSTANCE, code=ligne.id_instance,
                        territoire=ligne.territoire, logique=ligne.logique_initiateur)
    sieges = connus.groupby(["id_organisation", "id_instance"]).size().sort_index()
    for (organisation, instance), nombre in sieges.items():
        graphe.add_edge(_noeud(MODE_ORGANISATION, organisation),
                        _noeud(MODE_INSTANCE, instance), nb_sieges=int(nombre))
    return graphe


def _projection(graphe: nx.Graph, cote: int) -> nx.Graph:
    """Projection pondérée (networkx) sur un côté, renommée par ``code``, triée."""
    noeuds = sorted(n for n, d in graphe.nodes(data="bipartite") if d == cote)
    if len(noeuds) == len(graphe):
        # networkx refuse de projeter sans nœud de l'autre mode : aucun lien.
        projete = graphe.subgraph(noeuds).copy()
    else:
        projete = bipartite.weighted_projected_graph(graphe, noeuds)
    projete = nx.relabel_nodes(projete, {n: projete.nodes[n]["code"] for n in projete})
    return _graphe_trie(projete)


def projection_instances(graphe: nx.Graph) -> nx.Graph:
    """Projection du graphe biparti sur les instances (réseau inter-concertations).

    Deux instances sont liées si au moins une organisation siège aux deux ;
    le poids ``weight`` est le nombre d'organisations partagées
    (``networkx.algorithms.bipartite.weighted_projected_graph``).

    Parameters
    ----------
    graphe : networkx.Graph
        Graphe produit par :func:`graphe_biparti`.

    Returns
    -------
    networkx.Graph
        Nœuds nommés par ``id_instance`` (attributs ``territoire``,
        ``logique``...), insérés dans l'ordre trié ; arêtes pondérées.

    Examples
    --------
    >>> import pandas as pd
    >>> inst = pd.DataFrame({"id_instance": ["A", "B", "C"],
    ...                      "territoire": ["T"] * 3, "initiateur": ["cisss"] * 3})
    >>> part = pd.DataFrame({"id_instance": ["A", "B", "A", "B"],
    ...                      "id_organisation": ["o1", "o1", "o2", "o2"]})
    >>> p = projection_instances(graphe_biparti(inst, part))
    >>> list(p.nodes), p["A"]["B"]["weight"]
    (['A', 'B', 'C'], 2)
    """
    return _projection(graphe, 1)


def graphe_instances(instances: pd.DataFrame, participants: pd.DataFrame) -> nx.Graph:
    """Le réseau inter-concertations, sans passer par le graphe biparti networkx.

    Même graphe, nœud pour nœud et arête pour arête, dans le même ordre et
    avec les mêmes attributs, que
    ``projection_instances(graphe_biparti(instances, participants))`` ; les
    poids viennent de la matrice creuse B Bᵀ (B : incidence instances x
    organisations) au lieu de ``weighted_projected_graph``, plusieurs fois
    plus rapide. Sert aux dessins (un graphe par territoire) : même graphe,
    donc même disposition et mêmes octets de figure.

    Parameters
    ----------
    instances, participants : pandas.DataFrame
        Tables du jeu (voir :func:`graphe_biparti`).

    Returns
    -------
    networkx.Graph
        Comme :func:`projection_instances`.

    Raises
    ------
    ErreurDonnees
        Comme :func:`graphe_biparti`.

    Examples
    --------
    >>> import pandas as pd
    >>> inst = pd.DataFrame({"id_instance": ["A", "B", "C"],
    ...                      "territoire": ["T"] * 3, "initiateur": ["cisss"] * 3})
    >>> part = pd.DataFrame({"id_instance": ["A", "B", "A", "B"],
    ...                      "id_organisation": ["o1", "o1", "o2", "o2"]})
    >>> g = graphe_instances(inst, part)
    >>> list(g.nodes), list(g.edges(data="weight"))
    (['A', 'B', 'C'], [('A', 'B', 2)])
    """
    from scipy import sparse

    _verifier_tables(instances, participants, "graphe_instances")
    tables = _preparer_instances(instances)
    sieges = _preparer_participants(tables, participants)
    ids, b = _incidence(tables, sieges)
    paires = sparse.triu(_projection_creuse(b), k=1).tocoo()
    graphe = nx.Graph(nb_sieges_sans_organisation=int(sieges["id_organisation"].isna().sum()))
    attributs = tables.set_index("id_instance").loc[ids, ["territoire", "logique_initiateur"]]
    for code, territoire, logique in zip(ids, attributs["territoire"], attributs["logique_initiateur"]):
        graphe.add_node(code, bipartite=1, mode=MODE_INSTANCE, code=code,
                        territoire=territoire, logique=logique)
    # ids triés : la ligne < la colonne donne u < v ; ordre trié comme _graphe_trie
    aretes = sorted(zip(paires.row.tolist(), paires.col.tolist(), paires.data.tolist()))
    graphe.add_edges_from((ids[u], ids[v], {"weight": int(w)}) for u, v, w in aretes)
    return graphe


def projection_organisations(graphe: nx.Graph) -> nx.Graph:
    """Projection du graphe biparti sur les organisations.

    Deux organisations sont liées si elles siègent à au moins une même table ;
    le poids ``weight`` est le nombre de tables communes
    (``networkx.algorithms.bipartite.weighted_projected_graph``).

    Parameters
    ----------
    graphe : networkx.Graph
        Graphe produit par :func:`graphe_biparti`.

    Returns
    -------
    networkx.Graph
        Nœuds nommés par ``id_organisation`` (codes pseudonymes), triés.

    Examples
    --------
    >>> import pandas as pd
    >>> inst = pd.DataFrame({"id_instance": ["A", "B"], "territoire": ["T", "T"],
    ...                      "initiateur": ["cisss", "citoyens"]})
    >>> part = pd.DataFrame({"id_instance": ["A", "B", "A", "B"],
    ...                      "id_organisation": ["o1", "o1", "o2", "o2"]})
    >>> projection_organisations(graphe_biparti(inst, part))["o1"]["o2"]["weight"]
    2
    """
    return _projection(graphe, 0)


# ---------------------------------------------------------------------------
# Mesures du réseau inter-concertations
# ---------------------------------------------------------------------------


def _centralisation_freeman(degres: np.ndarray) -> float:
    """Centralisation de degré de Freeman, entre 0 (graphe complet) et 1 (étoile).

    Freeman, L. C. (1979). « Centrality in social networks: conceptual
    clarification ». Social Networks, 1(3), 215-239 : C_D = somme des
    (d_max - d_i) divisée par son maximum théorique (n - 1)(n - 2), atteint par
    l'étoile. networkx n'a pas de fonction de centralisation (seulement les
    centralités de nœud) : seule formule écrite à la main dans ce module.
    ``degres`` : degré de chaque nœud. Non définie (NaN) pour moins de 3 nœuds.
    """
    n = len(degres)
    if n < 3:
        return float("nan")
    degres = np.asarray(degres, dtype=float)
    return float((degres.max() - degres).sum() / ((n - 1) * (n - 2)))


def _incidence(instances: pd.DataFrame, participants: pd.DataFrame):
    """Identifiants triés et matrice d'incidence creuse B (instances x organisations).

    ``instances`` et ``participants`` sont les tables déjà préparées
    (:func:`_preparer_instances`, :func:`_preparer_participants`). Les lignes
    de B suivent l'ordre trié des ``id_instance`` (celui des nœuds de
    :func:`projection_instances`), les colonnes l'ordre trié des codes
    d'organisation ; B vaut 1 quand l'organisation siège à la table (sièges
    multiples comptés une fois, comme les arêtes du graphe biparti).
    """
    from scipy import sparse

    ids = sorted(instances["id_instance"])
    sieges = participants.dropna(subset=["id_organisation"]).drop_duplicates(["id_instance", "id_organisation"])
    organisations = sorted(set(sieges["id_organisation"]))
    lignes = pd.Index(ids).get_indexer(sieges["id_instance"])
    colonnes = pd.Index(organisations).get_indexer(sieges["id_organisation"])
    b = sparse.csr_matrix((np.ones(len(sieges), dtype=np.int64), (lignes, colonnes)),
                          shape=(len(ids), max(len(organisations), 1)))
    return ids, b


def _projection_creuse(b):
    """Réseau inter-concertations en matrice creuse : A = B Bᵀ sans la diagonale.

    A[i, j] est le nombre d'organisations partagées par les instances i et j,
    soit le poids ``weight`` de ``bipartite.weighted_projected_graph`` ; A est
    symétrique, sans case nulle stockée. Mémoire et temps proportionnels au
    nombre de paires liées, sans les objets Python d'un graphe networkx (sur le
    jeu « province » : 4,4 millions de liens, environ 100 Mio au lieu de
    plusieurs Gio).
    """
    from scipy import sparse

    a = (b @ b.T).tocsr()
    n = a.shape[0]
    rangs = np.repeat(np.arange(n), np.diff(a.indptr))
    garder = a.indices != rangs  # la diagonale (organisations de la table) n'est pas un lien
    debuts = np.concatenate([[0], np.cumsum(np.bincount(rangs[garder], minlength=n))])
    # Colonnes pas forcément triées dans une ligne : aucune mesure n'en dépend.
    return sparse.csr_matrix((a.data[garder], a.indices[garder], debuts), shape=(n, n))


def _sous_matrice(a, positions: np.ndarray):
    """Sous-matrice carrée ``a[positions][:, positions]`` (CSR), sans passer par CSC.

    Les lignes du groupe sont extraites, puis seules leurs cases dont la
    colonne est dans le groupe sont gardées et renumérotées : coût
    proportionnel aux liens des instances du groupe.
    """
    from scipy import sparse

    n = len(positions)
    if n == a.shape[0]:
        return a  # tout le réseau (positions triées : 0..n-1)
    lignes = a[positions]
    locale = np.full(a.shape[1], -1, dtype=np.int64)
    locale[positions] = np.arange(n)
    colonnes = locale[lignes.indices]
    garder = colonnes >= 0
    rangs = np.repeat(np.arange(n), np.diff(lignes.indptr))
    debuts = np.concatenate([[0], np.cumsum(np.bincount(rangs[garder], minlength=n))])
    return sparse.csr_matrix((lignes.data[garder], colonnes[garder], debuts), shape=(n, n))


def _nb_composantes(b_groupe) -> int:
    """Composantes de la projection induite, comptées sur le graphe biparti.

    Deux instances du groupe sont dans la même composante de la projection
    induite si et seulement si un chemin alterné instance-organisation-
    instance les joint sans passer par une instance hors du groupe : les
    composantes de la projection sont celles du graphe biparti (instances du
    groupe + organisations) qui contiennent une instance. Les organisations sans table dans le groupe y sont des
    composantes isolées, retirées du compte. Le graphe biparti a un lien par
    siège, la projection un par paire de tables : bien moins de travail.
    """
    from scipy import sparse
    from scipy.sparse import csgraph

    n, o = b_groupe.shape
    biparti = sparse.bmat([[None, b_groupe], [b_groupe.T, None]], format="csr")
    total = csgraph.connected_components(biparti, directed=False, return_labels=False)
    return int(total) - int((b_groupe.getnnz(axis=0) == 0).sum())


def _mesures_groupe(a, b, positions: np.ndarray, sieges: pd.DataFrame) -> dict:
    """Mesures d'un groupe d'instances : sous-graphe induit de la projection.

    ``a`` : projection creuse (:func:`_projection_creuse`) ; ``b`` : incidence ;
    ``positions`` : lignes (triées) des instances du groupe. Mêmes
    définitions (et mêmes nombres, à la dernière décimale) que les fonctions
    de networkx appliquées à ``projection_instances(...).subgraph(ids)`` :
    ``nx.density``, ``nx.number_connected_components``,
    ``nx.number_of_isolates``, degrés pondérés ; les poids sont entiers, donc
    leurs sommes sont exactes quel que soit l'ordre.
    """
    n = len(positions)
    sous = _sous_matrice(a, positions)
    b_groupe = b[positions]
    degres = np.diff(sous.indptr)
    rangs = np.repeat(np.arange(n), degres)
    poids = sous.data[sous.indices > rangs]  # une fois par paire liée
    m = len(poids)
    return {
        "nb_instances": n,
        "nb_organisations": int((b_groupe.getnnz(axis=0) > 0).sum()),
        "nb_sieges": int(sieges["id_organisation"].notna().sum()),
        "nb_sieges_sans_organisation": int(sieges["id_organisation"].isna().sum()),
        "nb_liens": m,
        "densite": m / (n * (n - 1)) * 2 if n > 1 else float("nan"),  # comme nx.density
        "nb_composantes": _nb_composantes(b_groupe),
        "part_instances_isolees": int((degres == 0).sum()) / n,
        "moy_organisations_partagees": float(np.mean(poids)) if m else np.nan,
        "max_organisations_partagees": float(poids.max()) if m else np.nan,
        "degre_pondere_moyen": int(sous.data.sum()) / n,
        "centralisation_degre": _centralisation_freeman(degres),
    }


def _populations(territoires) -> dict:
    """Population par territoire (table ``territoires``), validée."""
    if territoires is None:
        return {}
    controles.verifier_table(territoires, ["territoire", "population"], "territoires")
    noms = _en_texte(territoires["territoire"])
    doublons = sorted(set(noms[noms.duplicated()].dropna()))
    if doublons:
        raise ErreurDonnees(
            "La table « territoires » doit avoir une ligne par territoire ; "
            f"territoires en double : {controles.lister(doublons)}. Gardez une seule "
            "ligne par territoire."
        )
    brute = territoires["population"]
    population = pd.to_numeric(brute.astype(object), errors="coerce").astype(float)
    fautives = (brute.notna() & population.isna()) | (population <= 0)
    if fautives.any():
        raise ErreurDonnees(
            "La colonne « population » de la table « territoires » doit être un "
            "nombre > 0 ; valeurs fautives pour : "
            f"{controles.lister(noms[fautives])}. Corrigez ces populations ou laissez-les "
            "manquantes (le taux pour 10 000 habitants vaudra alors NaN)."
        )
    return {n: p for n, p in zip(noms, population) if n is not None and p == p}


def mesures_reseau(
    instances: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    territoires: pd.DataFrame | None = None,
    par: str = "territoire",
) -> pd.DataFrame:
    """Mesures du réseau inter-concertations, par groupe et pour l'ensemble.

    Le réseau est la projection sur les instances du graphe biparti
    organisations x instances : deux tables sont liées quand une organisation
    siège aux deux. Pour un groupe (un territoire par défaut), les mesures
    portent sur le sous-graphe induit par ses instances ; la ligne
    ``"Ensemble"`` porte sur le réseau entier (liens entre territoires compris).
    « Peu de liens inter-concertations » (Bourque, 2010) se lit dans
    ``densite`` et ``part_instances_isolees``.

    Parameters
    ----------
    instances, participants : pandas.DataFrame
        Tables du jeu (voir :func:`graphe_biparti`).
    territoires : pandas.DataFrame, optional
        Colonnes ``territoire`` et ``population`` (> 0). Sans elle, ou pour un
        territoire sans population connue, ``population`` et
        ``concertations_par_10000`` valent NaN. Utilisée seulement si
        ``par="territoire"``.
    par : str, default "territoire"
        Colonne de ``instances`` qui définit les groupes ; elle donne son nom à
        la première colonne du résultat. Valeur manquante : « (non renseigné) ».

    Returns
    -------
    pandas.DataFrame
        Une ligne par groupe (ordre alphabétique) puis la ligne « Ensemble ».
        Colonnes : ``<par>, nb_instances, nb_organisations, nb_sieges,
        nb_sieges_sans_organisation, nb_liens, densite, nb_composantes,
        part_instances_isolees, moy_organisations_partagees,
        max_organisations_partagees, degre_pondere_moyen,
        centralisation_degre, population, concertations_par_10000``.
        ``moy_`` et ``max_organisations_partagees`` portent sur les paires
        liées (NaN sans lien) ; ``degre_pondere_moyen`` sur toutes les
        instances ; ``centralisation_degre`` est celle de Freeman (1979),
        NaN sous 3 instances ; ``densite`` est NaN pour une seule instance.

    Raises
    ------
    ErreurDonnees
        Comme :func:`graphe_biparti` ; aussi colonne ``par`` absente, ou table
        ``territoires`` sans ``population``, avec un territoire en double ou
        une population non numérique ou <= 0.
    ErreurEffectifs
        Table ``instances`` vide.

    Examples
    --------
    >>> import pandas as pd
    >>> inst = pd.DataFrame({"id_instance": ["A", "B", "C"],
    ...                      "territoire": ["T1", "T1", "T2"],
    ...                      "initiateur": ["cisss", "citoyens", "cisss"]})
    >>> part = pd.DataFrame({"id_instance": ["A", "B", "C"],
    ...                      "id_organisation": ["o1", "o1", "o2"]})
    >>> pop = pd.DataFrame({"territoire": ["T1", "T2"], "population": [20000, 5000]})
    >>> m = mesures_reseau(inst, part, territoires=pop)
    >>> m[["territoire", "nb_instances", "densite", "concertations_par_10000"]]
      territoire  nb_instances   densite  concertations_par_10000
    0         T1             2  1.000000                      1.0
    1         T2             1       NaN                      2.0
    2   Ensemble             3  0.333333                      1.2
    """
    _verifier_tables(instances, participants, "mesures_reseau")
    if not isinstance(par, str):
        raise ErreurDonnees(
            f"L'option « par » doit être un nom de colonne de la table « instances » "
            f"(reçu : {par!r}) ; par exemple par=\"territoire\"."
        )
    controles.verifier_table(instances, ["id_instance", "territoire", par], "instances")
    if len(instances) == 0:
        raise ErreurEffectifs(
            "La table « instances » est vide : aucune mesure de réseau possible. "
            "Vérifiez le chargement du jeu ou le territoire sélectionné."
        )
    tables = _preparer_instances(instances)
    sieges = _preparer_participants(tables, participants)
    ids, b = _incidence(tables, sieges)
    a = _projection_creuse(b)
    rangs = pd.Index(ids).get_indexer(tables["id_instance"])
    groupes = _en_texte(tables[par]).fillna(ETIQUETTE_NON_RENSEIGNE)
    groupe_siege = sieges["id_instance"].map(pd.Series(groupes.to_numpy(), index=tables["id_instance"]))
    lignes_groupe = groupes.reset_index(drop=True).groupby(groupes.to_numpy(), sort=False).indices
    sieges_groupe = sieges.reset_index(drop=True).groupby(groupe_siege.to_numpy(), sort=False).indices
    vide = np.array([], dtype=np.int64)
    populations = _populations(territoires) if par == "territoire" else {}
    lignes = []
    for groupe in sorted(set(groupes)):
        positions = np.sort(rangs[lignes_groupe[groupe]])
        ligne = _mesures_groupe(a, b, positions, sieges.iloc[sieges_groupe.get(groupe, vide)])
        lignes.append({par: groupe, **ligne, "population": populations.get(groupe, np.nan)})
    total = sum(ligne["population"] for ligne in lignes) if lignes else np.nan
    ensemble = _mesures_groupe(a, b, np.arange(len(ids)), sieges)
    lignes.append({par: ETIQUETTE_ENSEMBLE, **ensemble, "population": total})
    resultat = pd.DataFrame(lignes, columns=[par, *COLONNES_MESURES[:-1]])
    resultat["population"] = resultat["population"].astype(float)
    resultat["concertations_par_10000"] = (
        resultat["nb_instances"] / resultat["population"] * 10_000
    )
    return resultat


# ---------------------------------------------------------------------------
# Charge des organisations (sur-sollicitation)
# ---------------------------------------------------------------------------


def charge_organisations(
    instances: pd.DataFrame | None,
    participants: pd.DataFrame,
    *,
    seuil_sur_sollicitation: float,
) -> pd.DataFrame:
    """Charge de concertation de chaque organisation (sur-sollicitation).

    Parameters
    ----------
    instances : pandas.DataFrame or None
        Si c'est une table : contrôle que chaque ``id_instance`` des
        participants existe et donne le nombre de territoires. ``None``
        (explicite) si la table n'est pas disponible : ``nb_territoires``
        vaut alors <NA> et les ``id_instance`` ne sont pas contrôlés.
    participants : pandas.DataFrame
        Colonnes ``id_instance``, ``id_organisation``, ``heures_mois``
        (>= 0, peut manquer) et ``nb_concertations`` (>= 1, peut manquer).
        Les sièges sans organisation sont écartés (voir
        :func:`mesures_reseau`, colonne ``nb_sieges_sans_organisation``).
    seuil_sur_sollicitation : float, default 3
        Nombre de tables distinctes à partir duquel une organisation est
        sur-sollicitée. Valeur de repli documentée, *non* tirée du plan
        d'analyse : passez celle de ``plan_analyse.yml``.

    Returns
    -------
    pandas.DataFrame
        Une ligne par organisation, triée par ``id_organisation``. Colonnes :
        ``id_organisation`` ; ``nb_instances`` (tables distinctes) ;
        ``nb_sieges`` ; ``nb_territoires`` ; ``heures_mois_total`` (heures par
        mois sommées sur ses sièges, NaN si aucune n'est connue) ;
        ``nb_heures_manquantes`` ; ``nb_concertations_declare_max`` (maximum
        déclaré par ses répondants, qui peut inclure des tables hors
        enquête) ; ``sur_sollicitation`` (``nb_instances >= seuil``).

    Raises
    ------
    ErreurDonnees
        Seuil qui n'est pas un nombre > 0 ; tables inversées ; colonne absente ;
        ``heures_mois`` non numérique ou < 0 ; ``nb_concertations`` non
        numérique ou < 1 ; et, si ``instances`` est fournie, les erreurs de
        :func:`graphe_biparti`.

    Examples
    --------
    >>> import pandas as pd
    >>> part = pd.DataFrame({"id_instance": ["A", "B", "C", "A"],
    ...                      "id_organisation": ["o1", "o1", "o1", "o2"],
    ...                      "heures_mois": [4.0, 2.5, None, 1.0],
    ...                      "nb_concertations": [3, 3, 4, 1]})
    >>> charge_organisations(None, part, seuil_sur_sollicitation=3)[
    ...     ["id_organisation", "nb_instances", "heures_mois_total", "sur_sollicitation"]]
      id_organisation  nb_instances  heures_mois_total  sur_sollicitation
    0              o1             3                6.5               True
    1              o2             1                1.0              False
    """
    if isinstance(seuil_sur_sollicitation, bool) or not isinstance(
        seuil_sur_sollicitation, Real
    ) or not seuil_sur_sollicitation > 0:
        raise ErreurDonnees(
            "L'option « seuil_sur_sollicitation » doit être un nombre > 0 "
            f"(reçu : {seuil_sur_sollicitation!r}) ; passez la valeur de "
            "plan_analyse.yml (seuils: sur_sollicitation)."
        )
    _verifier_tables(instances, participants, "charge_organisations")
    if instances is not None:
        instances = _preparer_instances(instances)
    table = _preparer_participants(
        instances, participants, colonnes=("heures_mois", "nb_concertations")
    )
    table["heures_mois"] = _colonne_numerique(table, "heures_mois", minimum=0)
    table["nb_concertations"] = _colonne_numerique(table, "nb_concertations", minimum=1)
    table = table.dropna(subset=["id_organisation"])
    groupes = table.groupby("id_organisation", sort=True)
    resultat = pd.DataFrame({
        "nb_instances": groupes["id_instance"].nunique().astype("int64"),
        "nb_sieges": groupes.size().astype("int64"),
        "heures_mois_total": groupes["heures_mois"].sum(min_count=1).astype(float),
        "nb_heures_manquantes": table["heures_mois"].isna()
        .groupby(table["id_organisation"], sort=True).sum().astype("int64"),
        "nb_concertations_declare_max": groupes["nb_concertations"].max().round()
        .astype("Int64"),
    })
    if instances is not None:
        territoires = table["id_instance"].map(instances.set_index("id_instance")["territoire"])
        resultat["nb_territoires"] = territoires.groupby(table["id_organisation"]).nunique()
    else:
        resultat["nb_territoires"] = pd.NA
    resultat["nb_territoires"] = resultat["nb_territoires"].astype("Int64")
    resultat["sur_sollicitation"] = resultat["nb_instances"] >= seuil_sur_sollicitation
    resultat = resultat.rename_axis("id_organisation").reset_index()
    resultat["id_organisation"] = resultat["id_organisation"].astype(object)
    return resultat[COLONNES_CHARGE]


def organisations_plus_sollicitees(
    instances: pd.DataFrame | None,
    participants: pd.DataFrame,
    *,
    k: int = 10,
    seuil_sur_sollicitation: float,
) -> pd.DataFrame:
    """Les ``k`` organisations les plus sollicitées (codes pseudonymes seulement).

    Classement par nombre de tables distinctes décroissant, puis heures par
    mois décroissantes (inconnues en dernier), puis code croissant : à égalité
    au rang ``k``, le code départage, sans hasard.

    Parameters
    ----------
    instances : pandas.DataFrame or None
        Comme pour :func:`charge_organisations` (``None`` explicite si la
        table n'est pas disponible).
    participants : pandas.DataFrame
        Comme pour :func:`charge_organisations`.
    k : int, default 10
        Nombre d'organisations retenues (>= 1).
    seuil_sur_sollicitation : float, default 3
        Transmis à :func:`charge_organisations`.

    Returns
    -------
    pandas.DataFrame
        Colonne ``rang`` (1..k) suivie des colonnes de
        :func:`charge_organisations`.

    Raises
    ------
    ErreurDonnees
        ``k`` qui n'est pas un entier >= 1, ou une erreur de
        :func:`charge_organisations`.

    Examples
    --------
    >>> import pandas as pd
    >>> part = pd.DataFrame({"id_instance": ["A", "B", "A"],
    ...                      "id_organisation": ["o2", "o2", "o1"],
    ...                      "heures_mois": [1.0, 1.0, 5.0],
    ...                      "nb_concertations": [2, 2, 1]})
    >>> organisations_plus_sollicitees(None, part, k=1, seuil_sur_sollicitation=3)[["rang", "id_organisation"]]
       rang id_organisation
    0     1              o2
    """
    _verifier_entier_positif(k, "k")
    _verifier_tables(instances, participants, "organisations_plus_sollicitees")
    charge = charge_organisations(
        instances, participants, seuil_sur_sollicitation=seuil_sur_sollicitation
    )
    charge = charge.sort_values(
        ["nb_instances", "heures_mois_total", "id_organisation"],
        ascending=[False, False, True],
        na_position="last",
        kind="mergesort",
    ).head(k).reset_index(drop=True)
    charge.insert(0, "rang", np.arange(1, len(charge) + 1, dtype="int64"))
    return charge


# ---------------------------------------------------------------------------
# Connexion selon la logique d'initiation
# ---------------------------------------------------------------------------


#: Taille des lots du test de permutation (valeurs permutées en mémoire à la
#: fois, environ 16 Mio en float64).
_ELEMENTS_PAR_LOT = 2_000_000


def _difference_moyennes(x, y, axis):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def _comparer(x: np.ndarray, y: np.ndarray, *, methode, n_tirages, graine):
    """Statistiques, p bilatéraux et libellés, une mesure par ligne de ``x`` et ``y``.

    ``x`` (groupe 1) et ``y`` (groupe 2) : tableaux mesures x observations.
    """
    from scipy import stats  # import différé : scipy.stats coûte ~1 s au chargement

    if methode == "mannwhitney":
        resultats = []
        for xi, yi in zip(x, y):
            # Même règle que scipy (method="auto"), rendue explicite pour la citer.
            ties = len(np.unique(np.concatenate([xi, yi]))) < len(xi) + len(yi)
            choix = "asymptotic" if (min(len(xi), len(yi)) > 8 or ties) else "exact"
            res = stats.mannwhitneyu(xi, yi, alternative="two-sided", method=choix)
            libelle = "exacte" if choix == "exact" else "asymptotique, correction de continuité"
            resultats.append((float(res.statistic), float(res.pvalue),
                              f"Mann-Whitney ({libelle}) ; U du groupe 1"))
        return resultats
    n_x, n_y = x.shape[-1], y.shape[-1]
    exacte = comb(n_x + n_y, n_x) <= n_tirages
    # Toutes les mesures en un appel (axis=-1) : chaque permutation des
    # instances est tirée une fois et appliquée à toutes les lignes, comme le
    # feraient des appels séparés avec la même graine (mêmes p). Par lots :
    # sans « batch », scipy matérialise toutes les permutations à la fois
    # (n_tirages x n nombres, près de 1 Gio pour 6 000 instances) ; le lot ne
    # change ni l'ordre des tirages ni les p.
    lot = max(1, _ELEMENTS_PAR_LOT // ((n_x + n_y) * len(x)))
    res = stats.permutation_test(
        (x, y), _difference_moyennes, permutation_type="independent",
        vectorized=True, n_resamples=n_tirages, alternative="two-sided",
        rng=np.random.default_rng(graine), batch=lot, axis=-1,
    )
    libelle = "exacte" if exacte else f"Monte Carlo, {n_tirages} tirages, graine {graine}"
    return [(float(stat), float(p), f"permutation ({libelle}) ; différence des moyennes")
            for stat, p in zip(np.atleast_1d(res.statistic), np.atleast_1d(res.pvalue))]


def connexion_selon_logique(
    instances: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    methode: str = "permutation",
    n_tirages: int = 9999,
    graine: int = 0,
) -> pd.DataFrame:
    """Les instances de logique descendante sont-elles plus ou moins reliées ?

    Compare, dans le réseau inter-concertations entier (celui de
    :func:`projection_instances`, calculé en matrice creuse), les instances de logique ``descendante``
    (groupe 1) et ``ascendante`` (groupe 2) sur trois mesures : ``degre``
    (nombre d'autres tables liées), ``degre_pondere`` (organisations
    partagées, sommées) et ``isolee`` (1 si aucune organisation partagée ;
    sa moyenne est la part d'instances isolées). Les instances de logique
    ``autre`` ou inconnue restent dans le réseau mais hors comparaison.

    Parameters
    ----------
    instances, participants : pandas.DataFrame
        Tables du jeu ; ``instances`` doit avoir ``logique_initiateur`` ou
        ``initiateur``.
    methode : {"permutation", "mannwhitney"}, default "permutation"
        Test de permutation de la différence des moyennes
        (``scipy.stats.permutation_test``, exact si le nombre de partitions
        ne dépasse pas ``n_tirages``) ou test de Mann-Whitney
        (``scipy.stats.mannwhitneyu``). Toujours bilatéral.
    n_tirages : int, default 9999
        Permutations tirées quand le test n'est pas exact ; les mêmes
        permutations servent aux trois mesures (un seul appel à
        ``permutation_test``, ``axis=-1``), comme trois appels à même graine.
    graine : int, default 0
        Graine du générateur (résultats identiques d'une exécution à l'autre).

    Returns
    -------
    pandas.DataFrame
        Une ligne par mesure (``degre``, ``degre_pondere``, ``isolee``) ;
        colonnes ``mesure, groupe_1, groupe_2, n_1, n_2, moyenne_1, moyenne_2,
        mediane_1, mediane_2, difference, statistique, p_valeur, alternative,
        methode``.

    Raises
    ------
    ErreurDonnees
        ``methode`` inconnue, ``n_tirages`` ou ``graine`` invalides, colonne
        ``initiateur`` (ou ``logique_initiateur``) absente, ou une erreur de
        :func:`graphe_biparti`.
    ErreurEffectifs
        Moins de deux instances dans l'un des groupes.

    Examples
    --------
    >>> import pandas as pd
    >>> inst = pd.DataFrame({"id_instance": list("ABCD"), "territoire": ["T"] * 4,
    ...                      "initiateur": ["cisss", "municipal", "citoyens",
    ...                                     "communautaire"]})
    >>> part = pd.DataFrame({"id_instance": ["A", "B", "C"],
    ...                      "id_organisation": ["o1", "o1", "o2"]})
    >>> res = connexion_selon_logique(inst, part)
    >>> res[["mesure", "moyenne_1", "moyenne_2", "p_valeur"]].round(3)
              mesure  moyenne_1  moyenne_2  p_valeur
    0          degre        1.0        0.0     0.333
    1  degre_pondere        1.0        0.0     0.333
    2         isolee        0.0        1.0     0.333
    """
    if methode not in ("permutation", "mannwhitney"):
        raise ErreurDonnees(
            "L'option « methode » doit valoir \"permutation\" ou \"mannwhitney\" "
            f"(reçu : {methode!r})."
        )
    _verifier_entier_positif(n_tirages, "n_tirages")
    _verifier_graine(graine)
    _verifier_tables(instances, participants, "connexion_selon_logique")
    if not {"logique_initiateur", "initiateur"} & set(instances.columns):
        controles.verifier_table(instances, ["initiateur"], "instances")
    tables = _preparer_instances(instances)
    ids, b = _incidence(tables, _preparer_participants(tables, participants))
    a = _projection_creuse(b)  # même réseau que projection_instances, en matrice creuse
    valeurs = pd.DataFrame({
        "logique": tables.set_index("id_instance").loc[ids, "logique_initiateur"].to_numpy(),
        "degre": np.diff(a.indptr).astype(float),
        "degre_pondere": np.asarray(a.sum(axis=1)).ravel().astype(float),
    })
    valeurs["isolee"] = (valeurs["degre"] == 0).astype(float)
    groupes = {g: valeurs[valeurs["logique"] == g] for g in ("descendante", "ascendante")}
    trop_petits = {g: len(t) for g, t in groupes.items() if len(t) < 2}
    if trop_petits:
        raise ErreurEffectifs(
            "Comparaison impossible : il faut au moins deux instances de chaque "
            f"logique (effectifs : {trop_petits}). Vérifiez « initiateur » ou "
            "« logique_initiateur », ou faites la comparaison sur un ensemble "
            "plus large de territoires."
        )
    mesures = ("degre", "degre_pondere", "isolee")
    x_tous = np.vstack([groupes["descendante"][m].to_numpy() for m in mesures])
    y_tous = np.vstack([groupes["ascendante"][m].to_numpy() for m in mesures])
    tests = _comparer(x_tous, y_tous, methode=methode, n_tirages=n_tirages, graine=graine)
    lignes = []
    for mesure, x, y, (stat, p, libelle) in zip(mesures, x_tous, y_tous, tests):
        lignes.append([mesure, "descendante", "ascendante", len(x), len(y),
                       float(x.mean()), float(y.mean()), float(np.median(x)),
                       float(np.median(y)), float(x.mean() - y.mean()), stat, p,
                       "bilatérale", libelle])
    return pd.DataFrame(lignes, columns=COLONNES_CONNEXION)


# ---------------------------------------------------------------------------
# Dessin
# ---------------------------------------------------------------------------


def disposition(graphe: nx.Graph, *, graine: int = 0) -> dict:
    """Positions des nœuds pour dessiner le graphe, à graine fixe.

    Enveloppe ``networkx.spring_layout`` (Fruchterman-Reingold, poids
    ``weight`` s'il existe) avec ``seed=graine`` : mêmes positions à chaque
    exécution pour un même graphe (les graphes de ce module sont construits
    dans l'ordre trié).

    Parameters
    ----------
    graphe : networkx.Graph
        Graphe biparti ou projection.
    graine : int, default 0
        Graine de la disposition.

    Returns
    -------
    dict
        ``{nœud: numpy.ndarray([x, y])}``, à passer à ``networkx.draw(pos=...)``.

    Raises
    ------
    ErreurDonnees
        ``graine`` qui n'est pas un entier.

    Examples
    --------
    >>> import networkx as nx
    >>> pos = disposition(nx.path_graph(3), graine=1)
    >>> sorted(pos) == [0, 1, 2] and pos[0].shape == (2,)
    True
    """
    _verifier_graine(graine)
    return nx.spring_layout(graphe, seed=int(graine))


# ---------------------------------------------------------------------------
# Compte des liens sans graphe (grands jeux)
# ---------------------------------------------------------------------------


def nb_liens_instances(instances: pd.DataFrame, participants: pd.DataFrame) -> tuple[int, int]:
    """Nombre d'instances et nombre de paires d'instances liées, sans graphe.

    Même compte que ``projection_instances(graphe_biparti(...))`` (nœuds,
    arêtes), sans construire le graphe : une matrice creuse B (instances x
    organisations, 0/1), puis les paires liées de B Bᵀ hors diagonale
    (:func:`_projection_creuse`, celle de :func:`mesures_reseau`). Sur 50 000 instances, moins d'une seconde au lieu de plusieurs
    minutes et de plusieurs Gio de mémoire pour le graphe networkx.

    Parameters
    ----------
    instances, participants : pandas.DataFrame
        Tables du jeu (voir :func:`graphe_biparti`).

    Returns
    -------
    tuple of (int, int)
        ``(nb_instances, nb_liens)`` : nombre d'instances, et nombre de
        paires d'instances qui partagent au moins une organisation.

    Raises
    ------
    ErreurDonnees
        Comme :func:`graphe_biparti`.

    Examples
    --------
    >>> import pandas as pd
    >>> inst = pd.DataFrame({"id_instance": ["a", "b", "c"], "territoire": "T",
    ...                      "initiateur": "cisss"})
    >>> part = pd.DataFrame({"id_instance": ["a", "b", "b", "c"],
    ...                      "id_organisation": ["o1", "o1", "o2", None]})
    >>> nb_liens_instances(inst, part)
    (3, 1)
    """
    _verifier_tables(instances, participants, "nb_liens_instances")
    instances = _preparer_instances(instances)
    participants = _preparer_participants(instances, participants)
    ids, b = _incidence(instances, participants)
    return len(ids), _projection_creuse(b).nnz // 2
