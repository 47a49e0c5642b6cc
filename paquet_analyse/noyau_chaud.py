"""Noyaux « chauds » : des noyaux Jupyter dont les imports lourds sont déjà faits.

Un carnet qui importe pandas, scipy, statsmodels, seaborn… passe plusieurs
secondes à importer avant tout calcul, et le flux exécute un carnet par
processus. Ici, un *serveur de fourche* (un processus de longue durée) fait
ces imports une fois ; pour chaque noyau demandé, il se duplique (`os.fork`)
et l'enfant devient un noyau ipykernel ordinaire, avec le fichier de
connexion préparé par jupyter_client. Chaque carnet a donc son propre
processus, issu du même état de départ : rien ne passe d'un carnet à l'autre
(variables, modules modifiés, `sys.modules`, état aléatoire).

- `servir(chemin)` : le serveur, à l'écoute d'un socket Unix
  (`python -m paquet_analyse.noyau_chaud CHEMIN`) ; `flux.lancer` le démarre
  avant Snakemake et l'arrête après.
- `GestionnaireChaud` : le gestionnaire de noyau (jupyter_client) que
  `execution.executer_carnet` donne à papermill ; il demande le noyau au
  serveur désigné par la variable `PAQUET_ANALYSE_NOYAUX_CHAUDS` et revient au
  lancement ordinaire (nouveau processus Python) si la variable est absente,
  si le serveur ne répond pas, si `os.fork` n'existe pas, ou si le serveur
  refuse (autre Python, autre environnement, code du paquet modifié depuis
  son démarrage).

- `deleguer(argv)` : la tâche `python -m paquet_analyse carnet …` d'un flux
  confie tout son travail au serveur (`cli.main` le fait quand la variable
  est là) : un enfant du serveur, qui a déjà importé papermill et nbconvert,
  exécute le carnet (son noyau est demandé au serveur comme ci-dessus),
  écrit le carnet et son rapport HTML, et rend son code de sortie. La tâche
  n'importe rien de lourd (papermill et nbconvert : 2 à 3 s par processus).

L'enfant reçoit de son client l'entrée et les sorties standard (passage de
descripteurs sur le socket), le dossier de travail et l'environnement : il
se comporte comme le noyau que jupyter_client aurait lancé. Il s'arrête seul
si le processus client disparaît (fin de connexion sur le socket).
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import socket
import sys
import threading
import time
from pathlib import Path

VARIABLE = "PAQUET_ANALYSE_NOYAUX_CHAUDS"
# Variables d'environnement qui changent ce qu'un import produit : le serveur et le client doivent s'accorder.
# Les fils de calcul (lus par OpenBLAS à l'import de numpy) : Snakemake les fixe au nombre de fils de la
# règle (1 ici) dans l'environnement de chaque tâche ; `ENV_TACHES_SNAKEMAKE` les donne au serveur.
FILS = ("OMP_NUM_THREADS", "GOTO_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
ENV_TACHES_SNAKEMAKE = {nom: "1" for nom in FILS}
VARIABLES_COMPATIBLES = ("PYTHONPATH", "PAQUET_ANALYSE_RACINE", "PYTHONHASHSEED", "PYTHONWARNINGS", *FILS)
MODULES = ("numpy", "pandas", "scipy.stats", "statsmodels.api", "matplotlib", "matplotlib.pyplot", "seaborn",
           "pyarrow", "pyarrow.parquet", "networkx", "yaml", "jinja2",
           "paquet_analyse.analyses", "paquet_analyse.carnet", "paquet_analyse.interpretation",
           "paquet_analyse.preparation", "paquet_analyse.figures", "paquet_analyse.reseau",
           "paquet_analyse.modeles", "paquet_analyse.confidentialite",
           "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger",
           "matplotlib_inline.backend_inline",
           # ce que fait un exécuteur (`python -m paquet_analyse carnet` délégué) : papermill, nbconvert
           "nbformat", "papermill", "nbclient", "jupyter_client.manager", "nbconvert",
           "paquet_analyse.cli", "paquet_analyse.execution", "paquet_analyse.flux",
           # importés au premier appel dans un carnet (lecture parquet, tests, enregistrement PNG par PIL)
           "pyarrow.dataset", "pyarrow.pandas_compat", "concurrent.futures", "paquet_analyse.puissance",
           "paquet_analyse.simulation", "PIL.PngImagePlugin", "PIL.BmpImagePlugin", "PIL.GifImagePlugin",
           "PIL.JpegImagePlugin", "PIL.PpmImagePlugin")
# Verbes de `python -m paquet_analyse` qu'un client peut faire exécuter par le serveur (voir `deleguer`).
VERBES_DELEGUES = ("carnet", "synthese")
ATTENTE_SOCKET = 60.0  # secondes : le serveur n'ouvre son socket qu'une fois ses imports faits


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

    from . import flux

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
    flux.html_du_carnet(nb, "préchauffage")
    from . import execution

    execution.versions()  # versions des paquets (bandeau et colophon de chaque carnet), lues une fois ici


def _environnement_compatible(env: dict) -> dict:
    return {nom: env.get(nom) for nom in VARIABLES_COMPATIBLES}


class _Serveur:
    def __init__(self, chemin: Path):
        self.chemin = Path(chemin)
        self.executable = os.path.abspath(sys.executable)
        self.environnement = _environnement_compatible(os.environ)
        self.code = _empreinte_code()
        self.dossier_depart = os.getcwd()

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
        _preparer_enfant(ecoute, conn, descripteurs, demande)
        # comme `python -m paquet_analyse`, qui met le dossier courant en tête de sys.path
        if sys.path and sys.path[0] in (dossier_depart, ""):
            sys.path[0] = os.getcwd()
        sys.argv = [str(Path(__file__).with_name("__main__.py")), *demande["argv"]]
        from paquet_analyse import cli

        code = cli.main(list(demande["argv"]), deleguer=False)
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


def servir(chemin: str | Path) -> None:
    """Fait les imports, puis sert des noyaux sur le socket Unix `chemin` jusqu'à SIGTERM."""
    serveur = _Serveur(Path(chemin))
    try:
        serveur.prechauffer()
    except BaseException:
        # sans serveur, les clients n'attendent pas le socket (ATTENTE_SOCKET) : ils se replient aussitôt
        Path(chemin).with_name(Path(chemin).name + ".demarrage").unlink(missing_ok=True)
        raise
    serveur.servir()


# --------------------------------------------------------------------------
# Client (dans le processus qui exécute le carnet)


class ProcessusDistant:
    """Ce que jupyter_client attend d'un `Popen`, pour un noyau né du serveur.

    La fin du noyau se voit à la fermeture du socket (l'enfant en garde le seul
    autre bout) : pas besoin d'être son parent pour savoir qu'il est fini.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, conn: socket.socket):
        self.pid = pid
        self.conn = conn
        self.returncode: int | None = None

    def _fini(self, delai: float | None) -> bool:
        if self.returncode is not None:
            return True
        prets, _, _ = select.select([self.conn], [], [], delai)
        if prets:
            try:
                fin = self.conn.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                fin = True
            if fin:
                self.returncode = 0
                self.conn.close()
                return True
        return False

    def poll(self) -> int | None:
        return self.returncode if self._fini(0) else None

    def wait(self, timeout: float | None = None) -> int:
        debut = time.monotonic()
        while not self._fini(0.1):
            if timeout is not None and time.monotonic() - debut > timeout:
                import subprocess

                raise subprocess.TimeoutExpired("noyau chaud", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def chemin_serveur() -> Path | None:
    """Le socket du serveur désigné par la variable ; None si elle est absente, vide ou « 0 » (désactivé)."""
    valeur = os.environ.get(VARIABLE)
    return Path(valeur) if valeur and valeur != "0" else None


def _demander(demande: dict, chemin: Path | None, quoi: str) -> tuple[socket.socket, dict, object] | None:
    """Envoie `demande` au serveur, avec l'entrée et les sorties standard de ce processus ; (connexion,
    réponse, lecteur de lignes de la connexion) si le serveur a fait sa fourche, None (avec la raison sur
    stderr) sinon."""
    chemin = chemin or chemin_serveur()
    if chemin is None or not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        return None
    limite = time.monotonic() + ATTENTE_SOCKET
    while not chemin.exists() and time.monotonic() < limite and chemin.parent.exists() \
            and (chemin.parent / (chemin.name + ".demarrage")).exists():
        time.sleep(0.1)  # le serveur fait encore ses imports
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(chemin))
        socket.send_fds(conn, [json.dumps(demande).encode() + b"\n"], [0, 1, 2])
        lignes = conn.makefile("rb")  # tamponné : une seconde ligne déjà arrivée n'est pas perdue
        reponse = json.loads(lignes.readline())
    except (OSError, ValueError) as exc:
        conn.close()
        print(f"{quoi} indisponible ({exc}) : lancement ordinaire.", file=sys.stderr)
        return None
    if "pid" not in reponse:
        conn.close()
        print(f"{quoi} refusé ({reponse.get('refus')}) : lancement ordinaire.", file=sys.stderr)
        return None
    return conn, reponse, lignes


def demander_noyau(commande: list[str], env: dict, cwd: str, chemin: Path | None = None) -> ProcessusDistant | None:
    """Demande un noyau au serveur ; None (avec la raison sur stderr) s'il faut un lancement ordinaire."""
    env = {**env, "JPY_PARENT_PID": str(os.getpid())}  # comme jupyter_client.launcher.launch_kernel
    obtenu = _demander({"commande": list(commande), "env": env, "cwd": str(cwd)}, chemin, "Noyau chaud")
    if obtenu is None:
        return None
    conn, reponse, lignes = obtenu
    lignes.close()  # le noyau n'écrit rien : sa fin se lit à la fermeture de la connexion
    return ProcessusDistant(int(reponse["pid"]), conn)


def deleguer(argv: list[str], chemin: Path | None = None) -> int | None:
    """Fait exécuter `python -m paquet_analyse <argv>` par un enfant du serveur, qui a déjà importé
    papermill, nbconvert et la pile d'analyse : ce processus n'importe rien de lourd. L'enfant écrit sur
    les sorties de ce processus, dans son dossier et avec son environnement, et renvoie son code de sortie.
    None (raison sur stderr) s'il faut faire le travail ici. Si ce processus est tué, l'enfant s'arrête
    (fin de connexion) et son noyau aussi."""
    demande = {"type": "paquet", "argv": list(argv), "executable": sys.executable, "env": dict(os.environ),
               "cwd": os.getcwd()}
    obtenu = _demander(demande, chemin, "Exécuteur chaud")
    if obtenu is None:
        return None
    conn, _, lignes = obtenu
    with conn, lignes:
        try:
            return int(json.loads(lignes.readline())["code"])
        except (OSError, ValueError, KeyError, TypeError):
            print("Erreur : l'exécuteur chaud s'est arrêté sans rendre de code de sortie "
                  "(voir les messages ci-dessus).", file=sys.stderr)
            return 1


def _classe_gestionnaire():
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager

    class ClientChaud(AsyncKernelClient):
        """Client ordinaire, sauf l'attente du noyau prêt.

        jupyter_client, une fois la réponse à `kernel_info` reçue, vide le canal IOPub jusqu'à 0,2 s de
        silence : 0,2 s perdues par carnet, pour un noyau qui démarre en 0,1 s. Ici le vidage s'arrête au
        message « idle » qui suit `kernel_info` (le noyau n'envoie plus rien après lui : les messages d'un
        même émetteur arrivent dans l'ordre). Un message en retard n'aurait de toute façon aucun effet :
        nbclient ne prend pour une cellule que les messages dont elle est le parent.
        """

        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
            canal = self.iopub_channel
            lire = canal.get_msg
            repos = False

            async def lire_jusqu_au_repos(*args, **kwargs):
                nonlocal repos
                if repos:
                    raise Empty
                message = await lire(*args, **kwargs)
                repos = (message.get("msg_type") == "status"
                         and message.get("content", {}).get("execution_state") == "idle"
                         and message.get("parent_header", {}).get("msg_type") == "kernel_info_request")
                return message

            canal.get_msg = lire_jusqu_au_repos
            try:
                await super()._async_wait_for_ready(timeout)
            finally:
                del canal.get_msg  # la méthode de la classe revient

        wait_for_ready = _async_wait_for_ready

    class GestionnaireChaud(AsyncKernelManager):
        """`AsyncKernelManager` qui prend son noyau au serveur de fourche quand il y en a un."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.client_factory = ClientChaud

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # fin du noyau attendue par sondage toutes les 0,1 s : 0,1 s perdue par carnet ; 0,01 s suffit
            # (le sondage d'un noyau chaud est un `select` sans attente sur son socket)
            await super()._async_wait(pollinterval=min(pollinterval, 0.01))

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
            processus = demander_noyau(kernel_cmd, kw.get("env") or dict(os.environ),
                                       kw.get("cwd") or os.getcwd())
            if processus is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            fournisseur = self.provisioner
            fournisseur.process = processus
            fournisseur.pid = fournisseur.pgid = processus.pid
            fournisseur.cwd = kw.get("cwd") or os.getcwd()
            self._reconcile_connection_info(fournisseur.connection_info)

    GestionnaireChaud.__module__ = ClientChaud.__module__ = __name__
    return GestionnaireChaud


def __getattr__(nom: str):
    # jupyter_client n'est importé qu'à l'usage : `flux.lancer` démarre le serveur sans lui
    if nom == "GestionnaireChaud":
        classe = _classe_gestionnaire()
        globals()[nom] = classe
        return classe
    raise AttributeError(nom)


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
            self.processus = subprocess.Popen(self._commande, env=self._env,
                                              stdin=subprocess.DEVNULL)  # même groupe : tué avec le flux

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
    serveur = ServeurLance(chemin, None, commande=[sys.executable, "-m", "paquet_analyse.noyau_chaud", str(chemin)],
                           env=env)
    if not differe:
        serveur.lancer()
    return serveur


if __name__ == "__main__":
    servir(sys.argv[1])
