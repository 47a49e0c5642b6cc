#!/usr/bin/env bash
# Une vraie exécution SLURM, sur une grappe d'un seul nœud (localhost), puis la
# comparaison octet pour octet avec une exécution locale du même jeu.
#
#   sudo benchmarks/grappe_locale.sh          (ou : make grappe-locale, en root)
#
# Étapes : installe slurm-wlm et munge (apt-get, en root) s'ils manquent ;
# écrit un slurm.conf minimal dans un dossier temporaire (NodeName=localhost
# CPUs=2, mémoire tirée de `slurmd -C`) ; démarre munged, slurmctld et slurmd ;
# installe snakemake-executor-plugin-slurm s'il manque (dans le .venv du projet,
# ou dans le dossier GREFFONS=... s'il est donné, pour ne pas toucher au .venv) ;
# simule un petit jeu ; l'exécute dans deux copies du projet, l'une par
# `python -m paquet_analyse executer` (local), l'autre par Snakemake avec le
# profil profils/slurm/ (compte et partition remplacés pour la grappe locale) ;
# compare chaque fichier de resultats/<jeu>/ par SHA-256 ; arrête la grappe.
# Code de sortie 0 seulement si tout est identique.
#
# Variables : PY (Python du projet, défaut .venv/bin/python), GREFFONS (dossier
# d'installation du greffon SLURM hors du .venv), GARDER=1 (garder le dossier
# temporaire et les journaux).
set -euo pipefail

RACINE="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-$RACINE/.venv/bin/python}"
JEU=petit
TMP="$(mktemp -d /tmp/grappe_locale.XXXXXX)"
chmod 755 "$TMP"  # munged (utilisateur munge) doit pouvoir y entrer
export SLURM_CONF="$TMP/slurm.conf"
echo "Dossier de travail : $TMP"

arreter() {
    echo "Arrêt de la grappe locale."
    for f in slurmd slurmctld; do
        [ -f "$TMP/$f.pid" ] && kill "$(cat "$TMP/$f.pid")" 2>/dev/null || true
    done
    [ -f "$TMP/munged.pid" ] && kill "$(cat "$TMP/munged.pid")" 2>/dev/null || true
    sleep 1
    if [ "${GARDER:-0}" != 1 ]; then rm -rf "$TMP"; else echo "Gardé : $TMP"; fi
}
trap arreter EXIT

if [ "$(id -u)" != 0 ]; then
    echo "Erreur : il faut être root (installation et démarrage des démons SLURM)." >&2
    exit 2
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "Installation de slurm-wlm et munge…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# --- munge : la clé est créée par le paquet ; le démon tourne sous l'utilisateur munge
install -d -o munge -g munge -m 0755 "$TMP/munge"
runuser -u munge -- /usr/sbin/munged --socket="$TMP/munge/munge.socket" \
    --pid-file="$TMP/munge/munged.pid" --log-file="$TMP/munge/munged.log" --seed-file="$TMP/munge/seed"
cp "$TMP/munge/munged.pid" "$TMP/munged.pid"

# --- slurm.conf minimal
MEMOIRE=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
mkdir -p "$TMP/etat" "$TMP/spool"
cat > "$SLURM_CONF" <<EOF
ClusterName=grappelocale
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$TMP/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$TMP/etat
SlurmdSpoolDir=$TMP/spool
SlurmctldPidFile=$TMP/slurmctld.pid
SlurmdPidFile=$TMP/slurmd.pid
SlurmctldLogFile=$TMP/slurmctld.log
SlurmdLogFile=$TMP/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
NodeName=localhost CPUs=2 RealMemory=$MEMOIRE State=UNKNOWN
PartitionName=locale Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for i in $(seq 60); do
    sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed)' && break
    sleep 1
done
sinfo
sinfo -h -o %T | grep -qE '^(idle|mixed)' || { echo "Erreur : le nœud localhost n'est pas prêt." >&2; tail -20 "$TMP"/slurm*.log >&2; exit 1; }

# --- greffon SLURM de Snakemake
if ! "$PY" -c "import snakemake_executor_plugin_slurm" 2>/dev/null; then
    if [ -n "${GREFFONS:-}" ]; then
        echo "Installation du greffon SLURM dans $GREFFONS (hors du .venv)…"
        "$PY" -m pip install --quiet --no-deps --target "$GREFFONS" "snakemake-executor-plugin-slurm==2.8.0" \
            "snakemake-executor-plugin-slurm-jobstep==0.6.0" "throttler==1.2.2"
    else
        echo "Installation du greffon SLURM dans le .venv…"
        "$PY" -m pip install --quiet "snakemake-executor-plugin-slurm==2.8.0"
    fi
fi
[ -n "${GREFFONS:-}" ] && export PYTHONPATH="$GREFFONS${PYTHONPATH:+:$PYTHONPATH}"

# --- deux copies du projet, le même petit jeu simulé
copier() {
    mkdir -p "$1"
    cp "$RACINE/pyproject.toml" "$RACINE/Snakefile" "$1/"
    cp -r "$RACINE/carnets" "$RACINE/paquet_analyse" "$RACINE/profils" "$1/"
    find "$1" -name __pycache__ -prune -exec rm -rf {} +
}
copier "$TMP/local"
copier "$TMP/slurm"
for copie in local slurm; do
    PAQUET_ANALYSE_RACINE="$TMP/$copie" PYTHONPATH="$TMP/$copie${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c "
import dataclasses
from paquet_analyse import simulation
p = simulation.TERRITOIRES
simulation.simuler('$TMP/$copie/donnees_brutes/$JEU', profils=(dataclasses.replace(p[1], nb_instances=24),
                                                            dataclasses.replace(p[3], nb_instances=22)))"
done

echo "Exécution locale…"
( cd "$TMP/local" && PAQUET_ANALYSE_RACINE="$TMP/local" PYTHONPATH="$TMP/local${PYTHONPATH:+:$PYTHONPATH}" \
    "$PY" -m paquet_analyse executer "donnees_brutes/$JEU" --coeurs 2 ) > "$TMP/local.log" 2>&1 \
    || { tail -30 "$TMP/local.log"; exit 1; }

echo "Exécution SLURM (profil profils/slurm/)…"
debut=$(date +%s)
( cd "$TMP/slurm" && PAQUET_ANALYSE_RACINE="$TMP/slurm" PYTHONPATH="$TMP/slurm${PYTHONPATH:+:$PYTHONPATH}" \
    "$PY" -m snakemake --profile profils/slurm --config "jeu=donnees_brutes/$JEU" --forceall --jobs 4 \
    --slurm-no-account --slurm-status-command squeue --slurm-init-seconds-before-status-checks 5 \
    --default-resources slurm_partition=locale runtime=30 mem_mb=2000 cpus_per_task=1 ) > "$TMP/slurm.log" 2>&1 \
    || { tail -40 "$TMP/slurm.log"; exit 1; }
echo "Exécution SLURM terminée en $(( $(date +%s) - debut )) s ; tâches soumises : $(grep -c 'Job .* has been submitted with SLURM jobid' "$TMP/slurm.log" || true)"

# --- comparaison octet pour octet
"$PY" - "$TMP/local/resultats/$JEU" "$TMP/slurm/resultats/$JEU" <<'EOF'
import hashlib, sys
from pathlib import Path
a, b = (Path(x) for x in sys.argv[1:3])
def empreintes(d):
    return {p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in d.rglob("*") if p.is_file()}
ea, eb = empreintes(a), empreintes(b)
differents = sorted(n for n in set(ea) & set(eb) if ea[n] != eb[n])
seulement_local, seulement_slurm = sorted(set(ea) - set(eb)), sorted(set(eb) - set(ea))
for titre, noms in (("différents", differents), ("absents de SLURM", seulement_local), ("en trop dans SLURM", seulement_slurm)):
    for n in noms:
        print(f"  {titre} : {n}")
if differents or seulement_local or seulement_slurm:
    print(f"ÉCHEC : {len(differents)} différent(s), {len(seulement_local)} absent(s), {len(seulement_slurm)} en trop.")
    sys.exit(1)
print(f"Identiques octet pour octet (SHA-256) : {len(ea)} fichiers de resultats/{a.name}/, SLURM et local.")
EOF
