"""Le serveur de noyaux chauds : un processus qui fait une fois les imports lourds, puis se duplique.

Un carnet qui importe pandas, scipy, statsmodels, seaborn… passe plusieurs
secondes à importer avant tout calcul, et le flux exécute un carnet par
processus. Ici, un *serveur de fourche* (un processus de longue durée) fait
ces imports une fois ; pour chaque noyau demandé (`noyau_chaud`, côté
client), il se duplique (`os.fork`) et l'enfant devient un noyau ipykernel
ordinaire, avec le fichier de connexion préparé par jupyter_client. Chaque
carnet a donc son propre processus, issu du même état de départ : rien ne
passe d'un carnet à l'autre (variables, modules modifiés, `sys.modules`,
état aléatoire). Un enfant « exécuteur » appelle `main(argv)` du module que
le client nomme (`deleguer`).

- `servir(chemin)` : le serveur, à l'écoute d'un socket Unix
  (`python -m paquet_analyse.serveur_noyaux CHEMIN`) ;
- `demarrer` / `ServeurLance` : le flux le démarre avant Snakemake et
  l'arrête après. Le serveur et tous ses enfants meurent avec le flux, même
  tué sans préavis : signal de mort du parent (`PR_SET_PDEATHSIG`, Linux) et
  surveillance du parent toutes les secondes.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import sys
import threading
from pathlib import Path

from . import provenance, rapports
from .noyau_chaud import ENV_TACHES_SNAKEMAKE, VARIABLE, VARIABLES_COMPATIBLES, VERBES_DELEGUES  # noqa: F401

PR_SET_PDEATHSIG = 1  # prctl(2), Linux


def mourir_avec_le_parent(signum: int = signal.SIGTERM) -> None:
    """Ce processus recevra `signum` quand son parent mourra, même tué sans préavis (SIGKILL).

    `prctl(PR_SET_PDEATHSIG)` de Linux, par ctypes (la bibliothèque standard ne l'expose pas) ; ailleurs,
    rien (la surveillance du parent du serveur et des connexions de ses enfants reste). Sert de
    `preexec_fn` à Snakemake et au serveur, et dans chaque enfant du serveur.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
    except (OSError, AttributeError):
        return

MODULES = ("numpy", "pandas", "scipy.stats", "statsmodels.api", "matplotlib", "matplotlib.pyplot", "seaborn",
           "pyarrow", "pyarrow.parquet", "networkx", "yaml", "jinja2",
           "paquet_analyse.hypotheses", "paquet_analyse.analyses", "paquet_analyse.diffusion",
           "paquet_analyse.carnet", "paquet_analyse.interpretation", "paquet_analyse.preparation",
           "paquet_analyse.figures", "paquet_analyse.reseau", "paquet_analyse.modeles",
           "paquet_analyse.confidentialite", "paquet_analyse.synthese_region",
           "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger",
           "matplotlib_inline.backend_inline",
           # ce que fait un exécuteur (`python -m paquet_analyse carnet` délégué) : papermill, nbconvert
           "nbformat", "papermill", "nbclient", "jupyter_client.manager", "nbconvert",
           "paquet_analyse.cli", "paquet_analyse.execution", "paquet_analyse.rapports",
           # importés au premier appel dans un carnet (lecture parquet, tests, enregistrement PNG par PIL)
           "pyarrow.dataset", "pyarrow.pandas_compat", "concurrent.futures", "paquet_analyse.puissance",
           "paquet_analyse.simulation", "PIL.PngImagePlugin", "PIL.BmpImagePlugin", "PIL.GifImagePlugin",
           "PIL.JpegImagePlugin", "PIL.PpmImagePlugin")


# --------------------------------------------------------------------------
# Serveur


def _empreinte_code() -> tuple:
    """Chemins, tailles et dates des sources du paquet : un code modifié en cours de route est détecté."""
    paquet = Path(__file__).resolve().parent
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(paquet.rglob("*.py"))
                 if "__pycache__" not in p.parts)


def _prechauffer_rapport() -> None:
    """Un rapport HTML d'essai, en mémoire, jeté : le premier rapport d'un processus compile les expressions
    régulières de nbconvert, mistune, bleach et pygments (cache de `re`) et le validateur de nbformat, soit
    0,25 s ; les exécuteurs nés du serveur les trouvent faits. Rien n'est écrit ; aucun état ne dépend du
    carnet d'essai (caches de fonctions pures)."""
    import nbformat

    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("# Titre\n\n*Texte* **gras** `code`, [lien](#a) et liste :\n\n- un\n- deux"),
        v4.new_code_cell("x = 1", outputs=[
            v4.new_output("stream", name="stdout", text="texte\n"),
            v4.new_output("display_data", data={"text/markdown": "> **Note** : *texte*", "text/plain": "note"}),
            v4.new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>",
                                                "text/plain": "tableau"}),
            v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "figure"}),
        ]),
    ])
    nbformat.validate(nbformat.reads(nbformat.writes(nb), as_version=4))
    rapports.html_du_carnet(nb, "préchauffage")
    provenance.versions()  # versions des paquets (bandeau et colophon de chaque carnet), lues une fois ici


def _environnement_compatible(env: dict) -> dict:
    return {nom: env.get(nom) for nom in VARIABLES_COMPATIBLES}


class _Serveur:
    def __init__(self, chemin: Path):
        self.chemin = Path(chemin)
        self.executable = os.path.abspath(sys.executable)
        self.environnement = _environnement_compatible(os.environ)
        self.code = _empreinte_code()
        self.dossier_depart = os.getcwd()
        self.enfants: list[int] = []

    def prechauffer(self) -> list[str]:
        # Le noyau ordinaire choisit ce moteur matplotlib s'il n'y en a pas d'imposé ; matplotlib le lit à
        # l'import : on le fixe donc avant (les carnets passent ensuite à Agg par paquet_analyse.figures).
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        # debugpy (importé par ipykernel.debugger) avertit à l'import que Python a des modules figés ; un noyau
        # ordinaire l'importe après avoir détourné sa sortie d'erreur, le serveur le dirait au terminal du flux
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        absents = []
        for nom in MODULES:
            try:
                importlib.import_module(nom)
            except ImportError:
                absents.append(nom)
        if not absents:
            try:
                _prechauffer_rapport()
            except Exception as exc:  # un préchauffage raté ne coûte que du temps : le serveur sert quand même
                print(f"Serveur de noyaux chauds : rapport d'essai impossible ({exc}).", file=sys.stderr)
        chemins = sys.modules.get("paquet_analyse.chemins")
        if chemins is not None:
            chemins.racine.cache_clear()  # calculée dans chaque noyau, depuis son dossier et son environnement
        return absents

    def refus(self, demande: dict) -> str | None:
        if demande.get("type") == "paquet":
            argv = demande.get("argv")
            if os.path.abspath(str(demande.get("executable"))) != self.executable:
                return "autre interpréteur Python que celui du serveur"
            if not isinstance(argv, list) or not argv or argv[0] not in VERBES_DELEGUES:
                return f"commande non déléguable : {argv!r}"
            if not str(demande.get("module", "")).startswith("paquet_analyse."):
                return f"module non pris en charge : {demande.get('module')!r}"
        else:
            commande = demande.get("commande") or []
            if len(commande) < 3 or os.path.abspath(commande[0]) != self.executable \
                    or commande[1:3] != ["-m", "ipykernel_launcher"]:
                return f"commande de noyau non prise en charge : {commande[:3]}"
        if _environnement_compatible(demande.get("env") or {}) != self.environnement:
            return "environnement différent de celui du serveur"
        if _empreinte_code() != self.code:
            return "code du paquet modifié depuis le démarrage du serveur"
        return None

    def servir(self) -> None:
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # les noyaux finis sont récupérés par le système
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        # Ctrl-C vise le groupe du flux : c'est le flux qui arrête le serveur (pas de trace de KeyboardInterrupt)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.chemin.parent.mkdir(parents=True, exist_ok=True)
        provisoire = self.chemin.with_name(self.chemin.name + f".{os.getpid()}")
        provisoire.unlink(missing_ok=True)
        ecoute = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ecoute.bind(str(provisoire))
        ecoute.listen(64)
        os.replace(provisoire, self.chemin)  # le socket n'apparaît qu'une fois prêt
        self.chemin.with_name(self.chemin.name + ".demarrage").unlink(missing_ok=True)
        parent = os.getppid()
        ecoute.settimeout(1.0)
        try:
            while True:
                try:
                    conn, _ = ecoute.accept()
                except TimeoutError:
                    if os.getppid() != parent:  # le flux a disparu (même tué) : le serveur aussi
                        return
                    continue
                conn.settimeout(None)
                try:
                    self._traiter(ecoute, conn)
                except Exception as exc:  # une demande mal formée n'arrête pas le serveur
                    try:
                        conn.sendall(json.dumps({"refus": f"demande illisible : {exc}"}).encode() + b"\n")
                    except OSError:
                        pass
                finally:
                    conn.close()
        finally:
            ecoute.close()
            if self.chemin.exists():
                self.chemin.unlink()
            self._arreter_enfants()

    def _arreter_enfants(self) -> None:
        """Le serveur s'arrête : ses noyaux et exécuteurs encore vivants aussi (chacun mène son groupe)."""
        for pid in self.enfants:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _traiter(self, ecoute: socket.socket, conn: socket.socket) -> None:
        donnees, descripteurs, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        while not donnees.endswith(b"\n"):
            morceau = conn.recv(1 << 20)
            if not morceau:
                break
            donnees += morceau
        try:
            demande = json.loads(donnees)
            raison = self.refus(demande) if len(descripteurs) == 3 else "descripteurs standard manquants"
            if raison:
                conn.sendall(json.dumps({"refus": raison}).encode() + b"\n")
                return
            executeur = demande.get("type") == "paquet"
            pid = os.fork()
            if pid == 0:  # ne revient jamais
                devenir = _devenir_executeur if executeur else _devenir_noyau
                devenir(ecoute, conn, descripteurs, demande, self.dossier_depart)
            self.enfants = [p for p in self.enfants if _vivant(p)] + [pid]
            if not executeur:  # un exécuteur écrit lui-même son pid, puis son code : ses lignes restent dans l'ordre
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        finally:
            for fd in descripteurs:
                os.close(fd)


def _preparer_enfant(ecoute, conn, descripteurs, demande) -> None:
    """Dans l'enfant, juste après la fourche : son propre groupe de processus, les signaux par défaut, les
    entrée et sorties standard du client, son dossier, son environnement ; il s'arrête si le client disparaît."""
    ecoute.close()
    os.setsid()  # son propre groupe : jupyter_client envoie ses signaux au groupe d'un noyau
    mourir_avec_le_parent(signal.SIGKILL)  # le serveur tué sans préavis : cet enfant aussi
    for sig in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # comme tout processus Python neuf (BrokenPipeError)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for cible, fd in enumerate(descripteurs):
        os.dup2(fd, cible)
        os.close(fd)
    os.chdir(demande["cwd"])
    os.environ.clear()
    os.environ.update(demande["env"])
    import tempfile

    tempfile.tempdir = None  # recalculé depuis TMPDIR (Snakemake le fixe par tâche)

    def surveiller():  # le client a disparu (ou a fermé) : cet enfant n'a plus de raison d'être
        try:
            while conn.recv(1):
                pass
        except OSError:
            pass
        os._exit(0)

    # un processus neuf tire l'état aléatoire global de numpy de l'entropie du système (`random`, lui, est
    # déjà réensemencé à chaque fourche) : deux carnets ne partagent jamais leurs tirages non fixés
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    threading.Thread(target=surveiller, daemon=True, name="surveillance-client").start()


def _terminer(code) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _devenir_executeur(ecoute, conn, descripteurs, demande, dossier_depart) -> None:
    """Dans l'enfant : faire ce qu'aurait fait `python -m paquet_analyse <argv>` dans le processus du client,
    puis lui envoyer le code de sortie. Le noyau du carnet est demandé au serveur, comme par tout client."""
    code = 1
    try:
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    except OSError:  # le client a disparu avant même de lire le pid (flux interrompu) : rien à faire, rien à dire
        _terminer(code)
    try:
        _preparer_enfant(ecoute, conn, descripteurs, demande)
        # comme `python -m paquet_analyse`, qui met le dossier courant en tête de sys.path
        if sys.path and sys.path[0] in (dossier_depart, ""):
            sys.path[0] = os.getcwd()
        sys.argv = [str(Path(__file__).with_name("__main__.py")), *demande["argv"]]
        code = importlib.import_module(demande["module"]).main(list(demande["argv"]), deleguer=False)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            conn.sendall(json.dumps({"code": code}).encode() + b"\n")
        except OSError:
            pass
        _terminer(code)


def _devenir_noyau(ecoute, conn, descripteurs, demande, dossier_depart) -> None:
    """Dans l'enfant : prendre la place du processus que jupyter_client aurait lancé."""
    code = 1
    try:
        _preparer_enfant(ecoute, conn, descripteurs, demande)
        # comme `python -m ipykernel_launcher`, qui ne garde pas le dossier courant dans sys.path
        if sys.path and sys.path[0] in (dossier_depart, ""):
            del sys.path[0]
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *demande["commande"][3:]]
        if os.environ.get("JPY_PARENT_PID"):  # ipykernel lit cette variable à son import, fait dans le serveur
            sys.argv.append(f"--IPKernelApp.parent_handle={int(os.environ['JPY_PARENT_PID'])}")
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        _terminer(code)


def _vivant(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def servir(chemin: str | Path) -> None:
    """Fait les imports, puis sert des noyaux sur le socket Unix `chemin` jusqu'à SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C pendant les imports : le flux arrête le serveur
    serveur = _Serveur(Path(chemin))
    try:
        serveur.prechauffer()
    except BaseException:
        # sans serveur, les clients n'attendent pas le socket (ATTENTE_SOCKET) : ils se replient aussitôt
        Path(chemin).with_name(Path(chemin).name + ".demarrage").unlink(missing_ok=True)
        raise
    serveur.servir()


# --------------------------------------------------------------------------
# Démarrage et arrêt du serveur (par flux.lancer)


class ServeurLance:
    """Un serveur en sous-processus ; `arreter()` le termine (ses noyaux finissent seuls).

    Avec `commande` (démarrage différé, `demarrer(..., differe=True)`), le
    processus n'est lancé qu'au premier `lancer()` : un flux qui n'a aucun
    carnet à exécuter ne paie pas les imports du serveur. Le fichier
    « .demarrage » existe dès la création : un noyau demandé avant `lancer()`
    attend le socket (`demander_noyau`).
    """

    def __init__(self, chemin: Path, processus, *, commande: list[str] | None = None, env: dict | None = None):
        self.chemin = chemin
        self.processus = processus
        self._commande, self._env = commande, env

    @property
    def lance(self) -> bool:
        return self.processus is not None

    def lancer(self) -> None:
        import subprocess

        if self.processus is None:
            # même groupe que le flux ; tué avec lui même sans préavis (signal de mort du parent)
            self.processus = subprocess.Popen(self._commande, env=self._env, stdin=subprocess.DEVNULL,
                                              preexec_fn=mourir_avec_le_parent)

    def env(self) -> dict:
        return {VARIABLE: str(self.chemin)}

    def arreter(self) -> None:
        if self.processus is not None and self.processus.poll() is None:
            self.processus.terminate()
            try:
                self.processus.wait(timeout=10)
            except Exception:
                self.processus.kill()
        for chemin in (self.chemin, self.chemin.with_name(self.chemin.name + ".demarrage")):
            chemin.unlink(missing_ok=True)


def demarrer(dossier: Path, *, env: dict | None = None, differe: bool = False) -> ServeurLance | None:
    """Démarre un serveur dont le socket sera `dossier/noyaux.<pid>.sock` ; None si impossible ici.

    `differe` : le processus ne part qu'à `ServeurLance.lancer()` (voir `ServeurLance`).
    """

    if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        return None
    dossier.mkdir(parents=True, exist_ok=True)
    chemin = dossier / f"noyaux.{os.getpid()}.sock"
    if len(str(chemin).encode()) > 100:  # limite des chemins de socket Unix (108 octets)
        import tempfile

        chemin = Path(tempfile.mkdtemp(prefix="noyaux_")) / "noyaux.sock"
    (chemin.parent / (chemin.name + ".demarrage")).write_text("imports en cours\n", encoding="utf-8")
    serveur = ServeurLance(chemin, None, commande=[sys.executable, "-m", "paquet_analyse.serveur_noyaux", str(chemin)],
                           env=env)
    if not differe:
        serveur.lancer()
    return serveur


if __name__ == "__main__":
    servir(sys.argv[1])
