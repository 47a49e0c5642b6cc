"""Noyaux « chauds », côté client : demander un noyau ou confier un verbe au serveur de fourche.

Le serveur (`serveur_noyaux`) a déjà fait les imports lourds (pandas, scipy,
statsmodels, seaborn, papermill, nbconvert…) ; pour chaque demande, il se
duplique (`os.fork`) et l'enfant devient un noyau ipykernel ordinaire, ou un
exécuteur d'un verbe de `python -m paquet_analyse`. Ce module-ci est ce que
le processus d'un carnet appelle :

- `GestionnaireChaud` : le gestionnaire de noyau (jupyter_client) que
  `execution.executer_carnet` donne à papermill ; il demande le noyau au
  serveur désigné par la variable `PAQUET_ANALYSE_NOYAUX_CHAUDS` et revient au
  lancement ordinaire (nouveau processus Python) si la variable est absente,
  si le serveur ne répond pas, si `os.fork` n'existe pas, ou si le serveur
  refuse (autre Python, autre environnement, code du paquet modifié depuis
  son démarrage).
- `deleguer(argv, module=...)` : la tâche `python -m paquet_analyse carnet …`
  d'un flux confie tout son travail au serveur : un enfant du serveur appelle
  `main(argv)` du module que le client nomme (la ligne de commande), exécute
  le carnet, écrit le carnet et son rapport HTML, et rend son code de sortie.
  La tâche n'importe rien de lourd.

L'enfant reçoit de son client l'entrée et les sorties standard (passage de
descripteurs sur le socket), le dossier de travail et l'environnement ; il
s'arrête seul si le processus client disparaît (fin de connexion sur le
socket).
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path

VARIABLE = "PAQUET_ANALYSE_NOYAUX_CHAUDS"
#: Variable d'environnement des tâches d'un flux : le pid du processus `executer`. Une tâche (`python -m
#: paquet_analyse carnet …`) s'arrête d'elle-même si ce processus disparaît (`cli.surveiller_le_flux`) ;
#: définie ici, que chaque tâche importe déjà, pour qu'elle n'ait pas à importer `flux`.
GARDIEN = "PAQUET_ANALYSE_FLUX"
# Variables d'environnement qui changent ce qu'un import produit : le serveur et le client doivent s'accorder.
# Les fils de calcul (lus par OpenBLAS à l'import de numpy) : Snakemake les fixe au nombre de fils de la
# règle (1 ici) dans l'environnement de chaque tâche ; `ENV_TACHES_SNAKEMAKE` les donne au serveur.
FILS = ("OMP_NUM_THREADS", "GOTO_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
ENV_TACHES_SNAKEMAKE = {nom: "1" for nom in FILS}
VARIABLES_COMPATIBLES = ("PYTHONPATH", "PAQUET_ANALYSE_RACINE", "PYTHONHASHSEED", "PYTHONWARNINGS", *FILS)
# Verbes de `python -m paquet_analyse` qu'un client peut faire exécuter par le serveur (voir `deleguer`).
VERBES_DELEGUES = ("carnet", "synthese")
ATTENTE_SOCKET = 60.0  # secondes : le serveur n'ouvre son socket qu'une fois ses imports faits


# --------------------------------------------------------------------------
# Demandes au serveur (dans le processus qui exécute le carnet)


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


def deleguer(argv: list[str], *, module: str, chemin: Path | None = None) -> int | None:
    """Fait exécuter `module.main(argv)` (la ligne de commande qui délègue : `paquet_analyse.cli`) par un
    enfant du serveur, qui a déjà importé papermill, nbconvert et la pile d'analyse : ce processus
    n'importe rien de lourd. L'enfant écrit sur les sorties de ce processus, dans son dossier et avec son
    environnement, et renvoie son code de sortie. None (raison sur stderr) s'il faut faire le travail ici.
    Si ce processus est tué, l'enfant s'arrête (fin de connexion) et son noyau aussi."""
    demande = {"type": "paquet", "module": module, "argv": list(argv), "executable": sys.executable,
               "env": dict(os.environ), "cwd": os.getcwd()}
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
        """`AsyncKernelManager` qui prend son noyau au serveur de fourche quand il y en a un.

        Deux différences encore avec le gestionnaire ordinaire, pour qu'un flux réussi n'écrive aucune ligne
        alarmante : pas d'interruption (SIGINT) d'un noyau qu'on arrête, son carnet fini (jupyter_client
        l'interrompt toujours avant de l'arrêter, et ipykernel écrit alors « ERROR | KeyboardInterrupt caught
        in kernel ») ; et le journal du noyau limité aux erreurs (l'avertissement « Kernel is running over
        TCP without encryption » concerne un noyau ouvert au réseau, pas ce noyau local d'une tâche). Les
        sorties des cellules, avertissements compris, ne changent pas.
        """

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.client_factory = ClientChaud

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # fin du noyau attendue par sondage toutes les 0,1 s : 0,1 s perdue par carnet ; 0,01 s suffit
            # (le sondage d'un noyau chaud est un `select` sans attente sur son socket)
            await super()._async_wait(pollinterval=min(pollinterval, 0.01))

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:  # le carnet est fini : rien à interrompre
                return
            await super()._async_interrupt_kernel()

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
            kernel_cmd = [*kernel_cmd, "--IPKernelApp.log_level=ERROR"]
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
    # jupyter_client n'est importé qu'à l'usage : le flux démarre le serveur sans lui
    if nom == "GestionnaireChaud":
        classe = _classe_gestionnaire()
        globals()[nom] = classe
        return classe
    raise AttributeError(nom)
