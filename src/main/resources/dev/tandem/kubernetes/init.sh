#!/bin/bash
# Tandem init container: prepares one instance before mysqld starts.
#  1. writes the final my.cnf: the cluster's shared settings plus what only this Pod knows
#     (server_id from its ordinal, report_host, DualMaster offsets and GTID domain);
#  2. on an empty data directory, initializes it with the flavor's own tool and creates the
#     root, operator, replication and backup accounts, without binary logging so that no
#     instance starts with GTIDs of its own;
#  3. when RESTORE_DIR names a backup (spec.bootstrap.from), loads it into that new data
#     directory, again without binary logging, and records the backup's GTID position as
#     already executed: replication then continues from exactly there;
#  4. in a cluster that already has data (SEED_EMPTY=true), an empty data directory is never
#     initialized: 'init.sh receive', run first by the seed init container, receives a copy of a
#     donor instance (the operator starts the donor's Job once it sees that container waiting),
#     and this script then prepares it as it prepares a physical backup. An instance named in
#     RESEED (name@request) has its data put aside first, kept until a later start without the
#     request.
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
BACKUP_USER=${BACKUP_USER:-backup}
ADMIN_USER=${ADMIN_USER:-tandem_admin}
EXPORTER_USER=${EXPORTER_USER:-tandem_exporter}
SERVER_ID_BASE=1000

ordinal=${POD_NAME##*-}
if ! [[ $ordinal =~ ^[0-9]+$ ]]; then
  echo "init: cannot read an ordinal from Pod name '$POD_NAME'" >&2
  exit 1
fi

SEED_DIR="$DATADIR/.tandem-seed"
SEED_PORT=${SEED_PORT:-4444}

# The first line a donor sends: only a sender holding the cluster's replication password, and
# sending to this very instance, is read.
seed_token() {
  printf '%s' "tandem-seed:$POD_NAME:${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}" | sha256sum | cut -d' ' -f1
}

# The re-seed request standing for this instance, if any (RESEED holds name@request words).
reseed_request() {
  local entry
  for entry in ${RESEED:-}; do
    if [[ ${entry%@*} == "$POD_NAME" ]]; then
      echo "${entry#*@}"
      return
    fi
  done
}

# A re-seed puts the whole data directory aside (.tandem-aside-<request>), once per request: it is
# kept while the request stands, so a person can still look at it.
put_data_aside() {
  local request aside
  request=$(reseed_request)
  aside="$DATADIR/.tandem-aside-$request"
  if [[ -n $request && ! -d $aside ]]; then
    # Renamed once complete: a move cut short goes on next time; nothing is deleted.
    mkdir -p "$aside.partial"
    find "$DATADIR" -mindepth 1 -maxdepth 1 ! -name '.tandem-aside-*' -exec mv -t "$aside.partial" -- {} +
    mv "$aside.partial" "$aside"
    echo "init: $POD_NAME: re-seed requested ($request): the data directory was put aside at $aside"
  fi
}

# Run by init, once the instance has its data: what earlier re-seeds put aside goes with the
# first start after their request was removed (the operator removes it once the instance is caught up).
free_data_put_aside() {
  local request aside
  request=$(reseed_request)
  for aside in "$DATADIR"/.tandem-aside-*; do
    [[ -e $aside ]] || continue
    [[ -n $request && ( $aside == "$DATADIR/.tandem-aside-$request" || $aside == "$DATADIR/.tandem-aside-$request.partial" ) ]] && continue
    echo "init: $POD_NAME: deleting the data put aside for an earlier re-seed ($aside)"
    rm -rf -- "$aside"
  done
}

# Runs in the seed init container, before init: receives a donor's copy into $SEED_DIR/data
# when the data directory is empty in a cluster that has data, and returns at once otherwise.
receive_seed() {
  put_data_aside
  if [[ -d $DATADIR/mysql || ${SEED_EMPTY:-} != true || -f $SEED_DIR/complete ]]; then
    return
  fi
  rm -rf "$SEED_DIR"
  mkdir -p "$SEED_DIR/data"
  local token
  token=$(seed_token)
  if [[ $TANDEM_FLAVOR == MariaDB ]]; then
    echo "init: $POD_NAME: the data directory is empty; waiting for a donor's copy on port $SEED_PORT"
    local statuses
    set +e
    # Keepalive: a donor gone without closing the connection (its node lost) ends the wait.
    socat -u "TCP-LISTEN:$SEED_PORT,reuseaddr,keepalive,keepidle=30,keepintvl=10,keepcnt=6" STDOUT | {
      IFS= read -r offered
      if [[ $offered != "$token" ]]; then
        echo "init: $POD_NAME: a connection to the seed port did not identify as this cluster's donor; ignored" >&2
        exit 3
      fi
      exec "$(command -v mbstream)" -x -C "$SEED_DIR/data"
    }
    statuses=("${PIPESTATUS[@]}")
    set -e
    if ((statuses[0] != 0 || statuses[1] != 0)); then
      echo "init: $POD_NAME: receiving the copy failed (socat ${statuses[0]}, mbstream ${statuses[1]}); waiting again" >&2
      exit 1
    fi
    # mariadb-backup writes its checkpoints and info last: a copy cut short lacks them.
    if ! compgen -G "$SEED_DIR/data/*_checkpoints" > /dev/null \
      || [[ ! -f $SEED_DIR/data/xtrabackup_info && ! -f $SEED_DIR/data/mariadb_backup_info ]]; then
      echo "init: $POD_NAME: the copy received is incomplete (no checkpoints or info); waiting for a new one" >&2
      exit 1
    fi
    local binlog_info="$SEED_DIR/data/mariadb_backup_binlog_info" file position gtid=""
    [[ -f $binlog_info ]] || binlog_info="$SEED_DIR/data/xtrabackup_binlog_info"
    read -r file position gtid < "$binlog_info" || true
    printf '%s' "$gtid" > "$SEED_DIR/position"
  else
    receive_clone "$token"
  fi
  touch "$SEED_DIR/complete"
  echo "init: $POD_NAME: received a donor's copy ($(du -sb "$SEED_DIR/data" | cut -f1) bytes)"
}

# MySQL: the clone plugin copies from the donor to a recipient server. A throwaway server of this
# Pod is that recipient; the donor's Job connects to it with the seed token as password and runs
# CLONE INSTANCE into $SEED_DIR/data, which this waits for.
receive_clone() {
  local token=$1 work="$SEED_DIR/recipient" sock="$RUN_DIR/seed.sock" pid state=""
  mkdir -p "$work" "$RUN_DIR"
  mysqld --no-defaults "--datadir=$work/data" --initialize-insecure > "$work/initialize.log" 2>&1 \
    || { tail -n 5 "$work/initialize.log" >&2; exit 1; }
  rmdir "$SEED_DIR/data"
  mysqld --no-defaults "--datadir=$work/data" "--socket=$sock" "--pid-file=$work/mysqld.pid" --mysqlx=OFF --skip-log-bin \
    "--port=$SEED_PORT" --plugin-load-add=mysql_clone.so --plugin-load-add=semisync_source.so \
    --plugin-load-add=semisync_replica.so > "$work/mysqld.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    [[ -S $sock ]] && mysql --no-defaults "--socket=$sock" -uroot -e 'SELECT 1' > /dev/null 2>&1 && break
    kill -0 "$pid" 2> /dev/null || { tail -n 5 "$work/mysqld.log" >&2; exit 1; }
    sleep 0.1
  done
  mysql --no-defaults "--socket=$sock" -uroot <<< "CREATE USER 'tandem_seed'@'%' IDENTIFIED BY '$token';
GRANT CLONE_ADMIN, SYSTEM_VARIABLES_ADMIN ON *.* TO 'tandem_seed'@'%';"
  echo "init: $POD_NAME: the data directory is empty; waiting for a donor to clone into it (port $SEED_PORT)"
  until [[ $state == Completed ]]; do
    sleep 1
    kill -0 "$pid" 2> /dev/null || { tail -n 5 "$work/mysqld.log" >&2; exit 1; }
    state=$(mysql --no-defaults "--socket=$sock" -uroot -N -e 'SELECT STATE FROM performance_schema.clone_status' 2> /dev/null || true)
    if [[ $state == Failed ]]; then
      mysql --no-defaults "--socket=$sock" -uroot -N -e 'SELECT ERROR_NO, ERROR_MESSAGE FROM performance_schema.clone_status' >&2
      kill "$pid"
      exit 1
    fi
  done
  mysql --no-defaults "--socket=$sock" -uroot -N -e "SELECT REPLACE(GTID_EXECUTED, '\n', '') FROM performance_schema.clone_status" \
    > "$SEED_DIR/position"
  kill "$pid"
  wait "$pid" || true
  rm -rf "$work"
}

if [[ ${1:-} == receive ]]; then
  : "${TANDEM_FLAVOR:?}"
  receive_seed
  exit 0
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
  elif [[ $TANDEM_TOPOLOGY == DualMaster ]]; then
    # Only the peer master acknowledges a master's writes: a write acknowledged by a read replica
    # alone would be missing from the peer that takes over. (loose-: unknown without the plugin.)
    echo "loose-rpl_semi_sync_slave_enabled = OFF"
    echo "loose-rpl_semi_sync_replica_enabled = OFF"
  fi
} > "$FINAL_CNF.tmp"
mv "$FINAL_CNF.tmp" "$FINAL_CNF"

: "${ROOT_PASSWORD:?ROOT_PASSWORD is required}"
: "${OPERATOR_PASSWORD:?OPERATOR_PASSWORD is required}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"
: "${BACKUP_PASSWORD:?BACKUP_PASSWORD is required}"

sql_string() {
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\\\'}"
}

# The operator's account holds what the replication engine runs (docs/replication.md), no more:
# no data privileges. It may grant REPLICATION SLAVE, to keep the replication account in place.
# On MySQL it reads the receiver's heartbeat count and thread id from performance_schema.
# It changes spec.mysqld settings at runtime: SYSTEM_VARIABLES_ADMIN on MySQL, SUPER on MariaDB
# (MariaDB has no narrower privilege for most variables; since 10.11 SUPER no longer includes
# READ_ONLY ADMIN, which is granted on its own).
# What a MySQLGrant may give, on a database or a table, and the accounts to give it to: the
# administrator can grant only what it holds.
data_privileges="SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER, CREATE USER"
if [[ $TANDEM_FLAVOR == MySQL ]]; then
  server=mysqld
  client=mysql
  operator_grants="GRANT PROCESS, RELOAD, REPLICATION CLIENT, REPLICATION SLAVE, CREATE USER ON *.* TO '$OPERATOR_USER'@'%' WITH GRANT OPTION;
GRANT SYSTEM_VARIABLES_ADMIN, REPLICATION_SLAVE_ADMIN, CONNECTION_ADMIN ON *.* TO '$OPERATOR_USER'@'%';
GRANT SELECT ON performance_schema.replication_connection_status TO '$OPERATOR_USER'@'%';
GRANT SELECT ON performance_schema.threads TO '$OPERATOR_USER'@'%';"
  backup_grants="GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES, RELOAD, PROCESS, REPLICATION CLIENT, REPLICATION SLAVE, BACKUP_ADMIN ON *.* TO '$BACKUP_USER'@'%';"
  admin_grants="GRANT $data_privileges ON *.* TO '$ADMIN_USER'@'%' WITH GRANT OPTION;"
  exporter_grants="GRANT PROCESS, REPLICATION CLIENT ON *.* TO '$EXPORTER_USER'@'127.0.0.1';"
else
  server=$(command -v mariadbd || command -v mysqld)
  client=$(command -v mariadb || command -v mysql)
  operator_grants="GRANT PROCESS, RELOAD, BINLOG MONITOR, SLAVE MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN, READ_ONLY ADMIN, CONNECTION ADMIN, SUPER, CREATE USER, REPLICATION SLAVE ON *.* TO '$OPERATOR_USER'@'%' WITH GRANT OPTION;"
  backup_grants="GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES, RELOAD, PROCESS, BINLOG MONITOR, SLAVE MONITOR, REPLICATION SLAVE ON *.* TO '$BACKUP_USER'@'%';"
  admin_grants="GRANT $data_privileges, DELETE HISTORY ON *.* TO '$ADMIN_USER'@'%' WITH GRANT OPTION;"
  # REPLICATION CLIENT is BINLOG MONITOR since 10.5, and SHOW SLAVE STATUS wants SLAVE MONITOR.
  exporter_grants="GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO '$EXPORTER_USER'@'127.0.0.1';"
fi

accounts_sql="ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "$ROOT_PASSWORD");
CREATE USER IF NOT EXISTS '$OPERATOR_USER'@'%';
ALTER USER '$OPERATOR_USER'@'%' IDENTIFIED BY $(sql_string "$OPERATOR_PASSWORD");
$operator_grants
CREATE USER IF NOT EXISTS '$REPLICATION_USER'@'%';
ALTER USER '$REPLICATION_USER'@'%' IDENTIFIED BY $(sql_string "$REPLICATION_PASSWORD");
GRANT REPLICATION SLAVE ON *.* TO '$REPLICATION_USER'@'%';
CREATE USER IF NOT EXISTS '$BACKUP_USER'@'%';
ALTER USER '$BACKUP_USER'@'%' IDENTIFIED BY $(sql_string "$BACKUP_PASSWORD");
$backup_grants"
# The administrator applies MySQLDatabase, MySQLUser and MySQLGrant resources: it holds the data
# privileges and CREATE USER, with grant option, and nothing that writes past read_only (no SUPER,
# READ_ONLY ADMIN or CONNECTION_ADMIN; MySQL's super_read_only binds everyone anyway), so it
# changes nothing but the master.
# A cluster whose Secret has no admin-password (made before these resources existed) has no
# administrator; the resources say so.
if [[ -n ${ADMIN_PASSWORD:-} ]]; then
  accounts_sql="$accounts_sql
CREATE USER IF NOT EXISTS '$ADMIN_USER'@'%';
ALTER USER '$ADMIN_USER'@'%' IDENTIFIED BY $(sql_string "$ADMIN_PASSWORD");
$admin_grants"
fi
# mysqld_exporter's account reads status, variables, replication state and performance_schema:
# no data, no writes. It is allowed only from 127.0.0.1, where the exporter runs next to mysqld,
# and with few connections, so a stuck scrape cannot take the server's. Like the administrator,
# it exists only where the Secret has a password for it.
if [[ -n ${EXPORTER_PASSWORD:-} ]]; then
  accounts_sql="$accounts_sql
CREATE USER IF NOT EXISTS '$EXPORTER_USER'@'127.0.0.1';
ALTER USER '$EXPORTER_USER'@'127.0.0.1' IDENTIFIED BY $(sql_string "$EXPORTER_PASSWORD") WITH MAX_USER_CONNECTIONS 3;
$exporter_grants
GRANT SELECT ON performance_schema.* TO '$EXPORTER_USER'@'127.0.0.1';"
fi

# Waits for a server started in the background to answer on $socket, as root.
await_server() {
  local log=$1
  for _ in $(seq 1 600); do
    [[ -S $socket ]] && MYSQL_PWD=${2:-} "$client" --no-defaults "--socket=$socket" -uroot -e 'SELECT 1' > /dev/null 2>&1 && return
    kill -0 "$server_pid" 2> /dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "init: $POD_NAME: the server did not answer within a minute" >&2
  cat "$log" >&2
  exit 1
}

# Point in time: the binary logs archived after the backup, replayed from the backup's position
# up to RESTORE_UNTIL (UTC, exclusive, one-second resolution) into the running server, binary
# logging on, so the replayed transactions keep their GTIDs.
replay_binlogs() {
  local binlog_client files first_state item domain seq backup_seq
  binlog_client=$(command -v mariadb-binlog || command -v mysqlbinlog)
  mapfile -t files < <(find "$RESTORE_BINLOG_DIR" -maxdepth 1 -type f -printf '%f\n' 2> /dev/null | sort)
  if ((${#files[@]} == 0)); then
    echo "init: $POD_NAME: no archived binary logs at $RESTORE_BINLOG_DIR" >&2
    exit 1
  fi
  local paths=("${files[@]/#/$RESTORE_BINLOG_DIR/}")
  echo "init: $POD_NAME: replaying ${#files[@]} archived binary log file(s) up to $RESTORE_UNTIL UTC"
  if [[ $TANDEM_FLAVOR == MariaDB ]]; then
    # The archive must reach back to the backup's position, or transactions would be skipped.
    first_state=$(TZ=UTC "$binlog_client" --no-defaults "${paths[0]}" | sed -n 's/.*Gtid list \[\(.*\)\].*/\1/p' | head -n 1)
    for item in ${first_state//,/ }; do
      domain=${item%%-*}
      seq=${item##*-}
      backup_seq=$(tr ',' '\n' <<< "$restored_gtid" | awk -F- -v d="$domain" '$1 == d { print $3 }')
      if [[ -z $backup_seq || $seq -gt $backup_seq ]]; then
        echo "init: $POD_NAME: the archived binary logs begin after the backup's position (domain $domain at $seq, backup" \
          "'$restored_gtid'): they were purged before the next backup was taken; restore without pointInTime" >&2
        exit 1
      fi
    done
    # mariadb-binlog fails with "never reached expected GTID state" when no transaction follows
    # the start position before the stop time (nothing was written between the backup and
    # RESTORE_UNTIL): the archive reaches back to the position (checked above), so there is
    # simply nothing to replay.
    local statuses
    set +e
    TZ=UTC "$binlog_client" --no-defaults "--start-position=$restored_gtid" "--stop-datetime=$RESTORE_UNTIL" "${paths[@]}" \
      2> "$scratch/replay.err" | MYSQL_PWD=$password "$client" --no-defaults "--socket=$socket" -uroot
    statuses=("${PIPESTATUS[@]}")
    set -e
    if ((statuses[1] != 0)); then
      exit 1
    fi
    if ((statuses[0] != 0)); then
      if ! grep -q "never reached expected GTID state" "$scratch/replay.err"; then
        cat "$scratch/replay.err" >&2
        exit 1
      fi
      echo "init: $POD_NAME: nothing to replay: no transaction after GTID position '$restored_gtid' before $RESTORE_UNTIL UTC"
    fi
  else
    TZ=UTC "$binlog_client" --no-defaults "--exclude-gtids=$restored_gtid" "--stop-datetime=$RESTORE_UNTIL" "${paths[@]}" \
      | MYSQL_PWD=$password "$client" --no-defaults "--socket=$socket" -uroot
  fi
}

# A server this script started does not outlive it, even when it fails.
server_pid=""
stop_server() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2> /dev/null; then
    kill "$server_pid"
    wait "$server_pid" || true
  fi
  server_pid=""
}
trap stop_server EXIT

# MariaDB does not upgrade its system tables at start (MySQL does, since 8.0.16). After a
# change of release series (10.11 to 11.4: the data directory records the version it was last
# upgraded by), mariadb-upgrade runs once, on a server without networking or binary logging, so
# nothing it changes replicates and no client sees the server before it is done. Within a
# series the tool has nothing to do, and it is not run.
upgrade_mariadb() {
  local running installed log
  running=$("$server" --version | sed -n 's/.* Ver \([0-9]*[.][0-9]*\)[.].*/\1/p')
  installed=$(cat "$DATADIR/mariadb_upgrade_info" "$DATADIR/mysql_upgrade_info" 2> /dev/null | head -n 1 || true)
  if [[ -z $running ]]; then
    echo "init: $POD_NAME: warning: cannot read the release series from '$("$server" --version)'; mariadb-upgrade is not run" >&2
    return
  fi
  if [[ $installed == "$running".* ]]; then
    return
  fi
  echo "init: $POD_NAME: the data directory was last upgraded by MariaDB ${installed:-of an unknown version};" \
    "running mariadb-upgrade for $running"
  socket="$RUN_DIR/upgrade.sock"
  log="$RUN_DIR/upgrade.log"
  local options=("--defaults-file=$FINAL_CNF" "--datadir=$DATADIR" "--socket=$socket" --skip-networking --skip-log-bin
    "--pid-file=$RUN_DIR/upgrade.pid")
  [[ $(id -u) == 0 ]] && options+=(--user=root)
  "$server" "${options[@]}" > "$log" 2>&1 &
  server_pid=$!
  await_server "$log" "$ROOT_PASSWORD"
  MYSQL_PWD=$ROOT_PASSWORD "$(command -v mariadb-upgrade || command -v mysql_upgrade)" --no-defaults "--socket=$socket" -uroot
  stop_server
  echo "init: $POD_NAME: data directory upgraded to MariaDB $running"
}

if [[ -d $DATADIR/mysql ]]; then
  echo "init: $POD_NAME: data directory already initialized"
  free_data_put_aside
  if [[ $TANDEM_FLAVOR == MariaDB ]]; then
    upgrade_mariadb
  fi
  exit 0
fi

# A scratch directory next to the data, so a half-initialized one is never mistaken for done:
# the data directory receives the new data only once it is complete, restore and replay included.
scratch="$DATADIR/.tandem-init"
rm -rf "$scratch"
mkdir -p "$scratch"
socket="$scratch/init.sock"

restored_gtid=""
restore_method=""
seeded=""
if [[ -f $SEED_DIR/complete ]]; then
  # A donor's copy, received by the seed container: prepared and positioned like a physical backup.
  restore_method=Physical
  seeded=true
  RESTORE_DIR=$SEED_DIR
  restored_gtid=$(cat "$SEED_DIR/position")
  unset RESTORE_UNTIL
  echo "init: $POD_NAME: preparing the donor's copy, GTID position '$restored_gtid'"
elif [[ ${SEED_EMPTY:-} == true ]]; then
  echo "init: $POD_NAME: the data directory is empty and no donor's copy was received" >&2
  exit 1
elif [[ -n ${RESTORE_DIR:-} ]]; then
  if [[ ! -f $RESTORE_DIR/backup.json ]]; then
    echo "init: $POD_NAME: no complete backup at $RESTORE_DIR (backup.json is missing)" >&2
    exit 1
  fi
  restored_gtid=$(sed -n 's/.*"gtidPosition": "\([^"]*\)".*/\1/p' "$RESTORE_DIR/backup.json")
  restore_method=$(sed -n 's/.*"method": "\([^"]*\)".*/\1/p' "$RESTORE_DIR/backup.json")
  # A backup named by its path has no MySQLBackup the operator could check: its backup.json says.
  backup_flavor=$(sed -n 's/.*"flavor": "\([^"]*\)".*/\1/p' "$RESTORE_DIR/backup.json")
  if [[ -n $backup_flavor && $backup_flavor != "$TANDEM_FLAVOR" ]]; then
    echo "init: $POD_NAME: the backup at $RESTORE_DIR is of a $backup_flavor cluster; this cluster is $TANDEM_FLAVOR:" \
      "restore it into a cluster of the same flavor" >&2
    exit 1
  fi
  backup_finished=$(sed -n 's/.*"finishedAt": "\([^"]*\)".*/\1/p' "$RESTORE_DIR/backup.json")
  if [[ -n ${RESTORE_UNTIL:-} && -n $backup_finished ]] \
    && (($(TZ=UTC date -d "$RESTORE_UNTIL" +%s) < $(date -d "$backup_finished" +%s))); then
    echo "init: $POD_NAME: the point in time $RESTORE_UNTIL UTC is before the backup at $RESTORE_DIR completed" \
      "($backup_finished): restore to a later time, or from an earlier backup" >&2
    exit 1
  fi
  echo "init: $POD_NAME: restoring the $restore_method backup at $RESTORE_DIR, GTID position '$restored_gtid'"
fi

if [[ $restore_method == Physical ]]; then
  # The copied files, in scratch: the backup volume stays as it is. A MariaDB copy is prepared
  # (its redo log applied); a MySQL clone is ready as it is, but for a server UUID of its own.
  # A donor's copy is prepared where it was received, so an init cut short (a Pod deleted while
  # it prepares) takes it up again instead of losing it: preparing twice applies nothing twice.
  if [[ -n $seeded ]]; then
    rmdir "$scratch"
    scratch=$SEED_DIR
  else
    cp -a "$RESTORE_DIR/data" "$scratch/data"
  fi
  if [[ $TANDEM_FLAVOR == MySQL ]]; then
    rm -f "$scratch/data/auto.cnf"
  else
    backup_tool=$(command -v mariadb-backup || command -v mariabackup)
    if [[ ! -f $scratch/prepared ]]; then
      "$backup_tool" --prepare "--target-dir=$scratch/data" > "$scratch/prepare.log" 2>&1 \
        || { tail -n 20 "$scratch/prepare.log" >&2; exit 1; }
      rm -f "$scratch/data"/xtrabackup_* "$scratch/data"/mariadb_backup_* "$scratch/data/backup-my.cnf"
      touch "$scratch/prepared"
    fi
  fi
else
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
  await_server "$scratch/server.log"
  "$client" --no-defaults "--socket=$socket" -uroot <<< "$accounts_sql"

  if [[ $restore_method == Logical ]]; then
    if [[ ! -f $RESTORE_DIR/dump.sql.gz ]]; then
      echo "init: $POD_NAME: the logical backup at $RESTORE_DIR has no dump.sql.gz" >&2
      exit 1
    fi
    # A MySQL dump sets GTID_PURGED itself; that is done below, once binary logging is on.
    gunzip -c "$RESTORE_DIR/dump.sql.gz" \
      | awk '/GTID_PURGED/ { skip = 1 } !skip { print } skip && /;$/ { skip = 0 }' \
      | MYSQL_PWD=$ROOT_PASSWORD "$client" --no-defaults "--socket=$socket" -uroot
    MYSQL_PWD=$ROOT_PASSWORD "$client" --no-defaults "--socket=$socket" -uroot < "$RESTORE_DIR/users.sql"
  fi

  stop_server
fi

if [[ -n $restore_method ]]; then
  # The restored data holds every transaction up to the backup's position: the binary log
  # must say so, or replicas would ask for them again. That state can only be set on an empty
  # binary log, so the server starts once more, as it will run, without networking. A physical
  # copy brings the old cluster's accounts: they get this cluster's passwords, with grant
  # tables skipped until then.
  socket="$RUN_DIR/restore.sock"
  server_options=("--defaults-file=$FINAL_CNF" "--datadir=$scratch/data" "--socket=$socket" --skip-networking
    "--pid-file=$RUN_DIR/restore.pid")
  [[ $(id -u) == 0 ]] && server_options+=(--user=root)
  password=$ROOT_PASSWORD
  if [[ $restore_method == Physical ]]; then
    server_options+=(--skip-grant-tables)
    password=""
  fi
  "$server" "${server_options[@]}" > "$scratch/restore.log" 2>&1 &
  server_pid=$!
  await_server "$scratch/restore.log" "$password"
  if [[ $TANDEM_FLAVOR == MySQL ]]; then
    # MySQL 8.4 renamed RESET MASTER.
    version=$(MYSQL_PWD=$password "$client" --no-defaults "--socket=$socket" -uroot -N -e 'SELECT @@version')
    reset="RESET BINARY LOGS AND GTIDS"
    [[ $version == 8.0* ]] && reset="RESET MASTER"
    state_sql="$reset; SET GLOBAL gtid_purged = $(sql_string "$restored_gtid");"
  else
    state_sql="RESET MASTER; SET GLOBAL gtid_binlog_state = $(sql_string "$restored_gtid");
SET GLOBAL gtid_slave_pos = $(sql_string "$restored_gtid"); RESET SLAVE ALL;"
  fi
  [[ -n $restored_gtid ]] || state_sql=""
  if [[ $restore_method == Physical ]]; then
    # FLUSH PRIVILEGES loads the copied grant tables, after which accounts can be changed.
    state_sql="FLUSH PRIVILEGES; $accounts_sql
$state_sql"
  fi
  MYSQL_PWD=$password "$client" --no-defaults "--socket=$socket" -uroot <<< "$state_sql"
  if [[ -n ${RESTORE_UNTIL:-} ]]; then
    replay_binlogs
    executed=gtid_binlog_pos
    [[ $TANDEM_FLAVOR == MySQL ]] && executed=gtid_executed
    restored_gtid=$(MYSQL_PWD=$password "$client" --no-defaults "--socket=$socket" -uroot -N -e "SELECT @@$executed")
  fi
  stop_server
  echo "init: $POD_NAME: restored up to GTID position '$restored_gtid'"
fi
# Only now is the data complete: an init cut short before this line starts over next time.
mv "$scratch/data"/* "$DATADIR"/
rm -rf "$scratch"
if [[ ${RESTORE_DISCARD:-} == true ]]; then
  # A copy downloaded from a bucket: the Pod's scratch space is freed once it is restored.
  rm -rf -- "$RESTORE_DIR" "${RESTORE_BINLOG_DIR:-}"
fi
echo "init: $POD_NAME: data directory ready"
