#!/bin/bash
# Tandem seed donor, run by a Job the operator starts once an empty instance waits in its seed
# init container (init.sh receive). It sends that instance a consistent copy of the donor:
#  - MariaDB: mariadb-backup reads the donor's volume (mounted at DONOR_DATADIR, on its node) and
#    streams the copy (mbstream) to RECEIVER_HOST:SEED_PORT, after one line that identifies this
#    cluster's donor; the donor keeps serving, its commits held only while its position is read;
#  - MySQL: the receiver runs a throwaway server on SEED_PORT; this connects to it and has it
#    CLONE the donor over the network.
# Passwords come from the environment, never from the command line.
set -euo pipefail

: "${RECEIVER_HOST:?RECEIVER_HOST is required}"
: "${RECEIVER_POD:?RECEIVER_POD is required}"
: "${DONOR_HOST:?DONOR_HOST is required}"
: "${TANDEM_FLAVOR:?TANDEM_FLAVOR is required (MySQL or MariaDB)}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"
: "${BACKUP_PASSWORD:?BACKUP_PASSWORD is required}"
BACKUP_USER=${BACKUP_USER:-backup}
DONOR_PORT=${DONOR_PORT:-3306}
SEED_PORT=${SEED_PORT:-4444}
WAIT_SECONDS=${WAIT_SECONDS:-120}

token=$(printf '%s' "tandem-seed:$RECEIVER_POD:$REPLICATION_PASSWORD" | sha256sum | cut -d' ' -f1)
started=$(date +%s)

if [[ $TANDEM_FLAVOR == MariaDB ]]; then
  # Connected first: mariadb-backup copies the redo log as it goes, and must never wait on a
  # receiver that is not there yet.
  connect() { exec 3<> "/dev/tcp/$RECEIVER_HOST/$SEED_PORT"; } 2> /dev/null
  until connect; do
    if (($(date +%s) - started > WAIT_SECONDS)); then
      echo "seed: $RECEIVER_POD ($RECEIVER_HOST:$SEED_PORT) did not accept a copy within $WAIT_SECONDS s" >&2
      exit 1
    fi
    sleep 1
  done
  echo "seed: streaming a copy of $DONOR_HOST (${DONOR_DATADIR:-/var/lib/mysql}) to $RECEIVER_POD ($RECEIVER_HOST)"
  printf '%s\n' "$token" >&3
  tool=$(command -v mariadb-backup || command -v mariabackup)
  work=$(mktemp -d)
  # Over TLS when the cluster has it, verifying the donor with the cluster's CA.
  tls=()
  [[ -z ${TLS_AUTHORITIES:-} ]] || tls=(--ssl "--ssl-ca=$TLS_AUTHORITIES")
  MYSQL_PWD=$BACKUP_PASSWORD "$tool" --no-defaults "--host=$DONOR_HOST" "--port=$DONOR_PORT" "--user=$BACKUP_USER" "${tls[@]}" --backup \
    --stream=mbstream "--datadir=${DONOR_DATADIR:-/var/lib/mysql}" "--target-dir=$work" 2> "$work/mariadb-backup.log" >&3 \
    || { tail -n 5 "$work/mariadb-backup.log" >&2; exit 1; }
  exec 3>&-
  tail -n 1 "$work/mariadb-backup.log"
  rm -rf "$work"
else
  sql_string() {
    local s=${1//\\/\\\\}
    printf "'%s'" "${s//\'/\\\'}"
  }
  until MYSQL_PWD=$token mysql --no-defaults "--host=$RECEIVER_HOST" "--port=$SEED_PORT" -utandem_seed -e 'SELECT 1' > /dev/null 2>&1; do
    if (($(date +%s) - started > WAIT_SECONDS)); then
      echo "seed: $RECEIVER_POD ($RECEIVER_HOST:$SEED_PORT) did not accept a clone within $WAIT_SECONDS s" >&2
      exit 1
    fi
    sleep 1
  done
  echo "seed: $RECEIVER_POD ($RECEIVER_HOST) clones $DONOR_HOST"
  MYSQL_PWD=$token mysql --no-defaults "--host=$RECEIVER_HOST" "--port=$SEED_PORT" -utandem_seed << SQL
SET GLOBAL clone_valid_donor_list = '$DONOR_HOST:$DONOR_PORT';
CLONE INSTANCE FROM '$BACKUP_USER'@'$DONOR_HOST':$DONOR_PORT IDENTIFIED BY $(sql_string "$BACKUP_PASSWORD")
  DATA DIRECTORY = '/var/lib/mysql/.tandem-seed/data';
SQL
fi
echo "seed: $RECEIVER_POD has a copy of $DONOR_HOST after $(($(date +%s) - started)) s"
