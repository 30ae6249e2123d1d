#!/bin/bash
# Tandem init container: prepares one instance before mysqld starts.
#  1. writes the final my.cnf: the cluster's shared settings plus what only this Pod knows
#     (server_id from its ordinal, report_host, DualMaster offsets and GTID domain);
#  2. on an empty data directory, initializes it with the flavor's own tool and creates the
#     root, operator and replication accounts, without binary logging so that no instance
#     starts with GTIDs of its own.
# The paths can be overridden so that the sandbox runs this very script outside a container.
set -euo pipefail

: "${POD_NAME:?POD_NAME is required}"
: "${TANDEM_FLAVOR:?TANDEM_FLAVOR is required (MySQL or MariaDB)}"
: "${TANDEM_TOPOLOGY:?TANDEM_TOPOLOGY is required (MasterReplica or DualMaster)}"
DATADIR=${DATADIR:-/var/lib/mysql}
RUN_DIR=${RUN_DIR:-/var/run/mysqld}
SHARED_CNF=${SHARED_CNF:-/etc/tandem/my.cnf}
FINAL_CNF=${FINAL_CNF:-/etc/tandem-run/my.cnf}
REPORT_HOST=${REPORT_HOST:-${POD_NAME}.${HEADLESS_SERVICE:?HEADLESS_SERVICE is required}.${POD_NAMESPACE:?POD_NAMESPACE is required}.svc}
OPERATOR_USER=${OPERATOR_USER:-tandem}
REPLICATION_USER=${REPLICATION_USER:-repl}
SERVER_ID_BASE=1000

ordinal=${POD_NAME##*-}
if ! [[ $ordinal =~ ^[0-9]+$ ]]; then
  echo "init: cannot read an ordinal from Pod name '$POD_NAME'" >&2
  exit 1
fi

mkdir -p "$(dirname "$FINAL_CNF")" "$RUN_DIR"
{
  cat "$SHARED_CNF"
  echo "# Per-instance settings written by init.sh"
  echo "server_id = $((SERVER_ID_BASE + ordinal))"
  echo "report_host = $REPORT_HOST"
  if [[ $TANDEM_TOPOLOGY == DualMaster && $ordinal -le 1 ]]; then
    # The two masters hand out interleaved AUTO_INCREMENT values and never collide.
    echo "auto_increment_increment = 2"
    echo "auto_increment_offset = $((ordinal + 1))"
    if [[ $TANDEM_FLAVOR == MariaDB ]]; then
      # Each master writes in its own GTID domain, or strict mode breaks on concurrent writes.
      echo "gtid_domain_id = $ordinal"
    fi
  fi
} > "$FINAL_CNF.tmp"
mv "$FINAL_CNF.tmp" "$FINAL_CNF"

if [[ -d $DATADIR/mysql ]]; then
  echo "init: $POD_NAME: data directory already initialized"
  exit 0
fi

: "${ROOT_PASSWORD:?ROOT_PASSWORD is required}"
: "${OPERATOR_PASSWORD:?OPERATOR_PASSWORD is required}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"

sql_string() {
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\\\'}"
}

# The operator's account holds what the replication engine runs (docs/replication.md), no more:
# no data privileges. It may grant REPLICATION SLAVE, to keep the replication account in place.
if [[ $TANDEM_FLAVOR == MySQL ]]; then
  server=mysqld
  client=mysql
  operator_grants="GRANT PROCESS, RELOAD, REPLICATION CLIENT, REPLICATION SLAVE, CREATE USER ON *.* TO '$OPERATOR_USER'@'%' WITH GRANT OPTION;
GRANT SYSTEM_VARIABLES_ADMIN, REPLICATION_SLAVE_ADMIN, CONNECTION_ADMIN ON *.* TO '$OPERATOR_USER'@'%';"
else
  server=$(command -v mariadbd || command -v mysqld)
  client=$(command -v mariadb || command -v mysql)
  operator_grants="GRANT PROCESS, RELOAD, BINLOG MONITOR, SLAVE MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN, READ_ONLY ADMIN, CONNECTION ADMIN, CREATE USER, REPLICATION SLAVE ON *.* TO '$OPERATOR_USER'@'%' WITH GRANT OPTION;"
fi

# A scratch directory next to the data, so a half-initialized one is never mistaken for done.
scratch="$DATADIR/.tandem-init"
rm -rf "$scratch"
mkdir -p "$scratch"
socket="$scratch/init.sock"
server_options=(--no-defaults "--datadir=$scratch/data" "--socket=$socket" --skip-networking
  "--pid-file=$scratch/init.pid" --skip-log-bin)
[[ $(id -u) == 0 ]] && server_options+=(--user=root)

echo "init: $POD_NAME: initializing a new $TANDEM_FLAVOR data directory"
if [[ $TANDEM_FLAVOR == MySQL ]]; then
  "$server" "${server_options[@]}" --initialize-insecure
else
  install_db=$(command -v mariadb-install-db || command -v mysql_install_db)
  "$install_db" --no-defaults "--datadir=$scratch/data" --auth-root-authentication-method=normal \
    --skip-test-db $([[ $(id -u) == 0 ]] && echo --user=root) > "$scratch/install.log" 2>&1 \
    || { cat "$scratch/install.log" >&2; exit 1; }
fi

"$server" "${server_options[@]}" > "$scratch/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  [[ -S $socket ]] && "$client" --no-defaults "--socket=$socket" -uroot -e 'SELECT 1' > /dev/null 2>&1 && break
  kill -0 "$server_pid" 2> /dev/null || { cat "$scratch/server.log" >&2; exit 1; }
  sleep 0.1
done

"$client" --no-defaults "--socket=$socket" -uroot <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "$ROOT_PASSWORD");
CREATE USER '$OPERATOR_USER'@'%' IDENTIFIED BY $(sql_string "$OPERATOR_PASSWORD");
$operator_grants
CREATE USER '$REPLICATION_USER'@'%' IDENTIFIED BY $(sql_string "$REPLICATION_PASSWORD");
GRANT REPLICATION SLAVE ON *.* TO '$REPLICATION_USER'@'%';
SQL

kill "$server_pid"
wait "$server_pid" || true
mv "$scratch/data"/* "$DATADIR"/
rm -rf "$scratch"
echo "init: $POD_NAME: data directory ready"
