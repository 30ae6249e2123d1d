#!/bin/bash
# Tandem backup, run by a backup Job with the flavor's own tools against one instance (a
# replica) over the Pod network. Logical (the default):
#  - the application databases as one consistent dump (--single-transaction: the source's
#    replication never stops) with the GTID position and binlog coordinates of its snapshot;
#  - the application accounts (CREATE USER IF NOT EXISTS + GRANTs): Tandem's own accounts and the
#    system ones are left out, a restored cluster has its own;
#  - backup.json describing it;
#  - the source's binary logs (binlogs/), for point-in-time recovery with the next backup.
# Physical: the source's data files, copied by mariadb-backup (MariaDB) or cloned by the clone
# plugin (MySQL), and the same binlogs.
# Everything is written to .<name>.partial and renamed to <name> at the end: a backup directory
# without the suffix is whole. The last line printed is the result the operator reads.
# Passwords come from the environment, never from the command line.
set -euo pipefail

: "${SOURCE_HOST:?SOURCE_HOST is required}"
: "${BACKUP_DIR:?BACKUP_DIR is required}"
: "${TANDEM_FLAVOR:?TANDEM_FLAVOR is required (MySQL or MariaDB)}"
: "${BACKUP_PASSWORD:?BACKUP_PASSWORD is required}"
BACKUP_USER=${BACKUP_USER:-backup}
SOURCE_PORT=${SOURCE_PORT:-3306}
OWN_ACCOUNTS="'root', '${OPERATOR_USER:-tandem}', '${REPLICATION_USER:-repl}', '$BACKUP_USER', '${ADMIN_USER:-tandem_admin}', '${EXPORTER_USER:-tandem_exporter}', 'mariadb.sys', 'mysql.sys', 'mysql.session', 'mysql.infoschema', 'PUBLIC', ''"

export MYSQL_PWD=$BACKUP_PASSWORD
partial="$(dirname "$BACKUP_DIR")/.$(basename "$BACKUP_DIR").partial"
if [[ -e $BACKUP_DIR ]]; then
  echo "backup: $BACKUP_DIR already exists; a backup is never overwritten" >&2
  exit 1
fi
trap 'rm -rf "$partial"' EXIT
rm -rf "$partial"
mkdir -p "$partial"

connection=(--no-defaults "--host=$SOURCE_HOST" "--port=$SOURCE_PORT" "--user=$BACKUP_USER")
# Over TLS when the cluster has it, verifying the source with the cluster's CA (its name is not
# checked: the source is dialled by Pod IP).
if [[ -n ${TLS_AUTHORITIES:-} ]]; then
  if [[ $TANDEM_FLAVOR == MariaDB ]]; then
    connection+=(--ssl "--ssl-ca=$TLS_AUTHORITIES")
  else
    connection+=(--ssl-mode=VERIFY_CA "--ssl-ca=$TLS_AUTHORITIES")
  fi
fi
if [[ $TANDEM_FLAVOR == MariaDB ]]; then
  client=$(command -v mariadb || command -v mysql)
  dump=$(command -v mariadb-dump || command -v mysqldump)
  position_options=(--gtid --master-data=2)
  accounts_filter="is_role <> 'Y'"
  show_prefix=""
else
  client=mysql
  dump=mysqldump
  position_options=(--source-data=2 --set-gtid-purged=ON)
  accounts_filter="account_locked = 'N'"
  # Authentication strings of caching_sha2_password are binary: printed as hex they survive a file.
  show_prefix="SET SESSION print_identified_with_as_hex = ON; "
fi
query() {
  "$client" "${connection[@]}" --connect-timeout=10 --batch --raw --skip-column-names -e "$1"
}

# Sets gtid, binlog_file and binlog_position of the dump's snapshot, and databases.
logical_backup() {
  echo "backup: logical dump of $SOURCE_HOST ($TANDEM_FLAVOR) into $BACKUP_DIR"
  # Read into a variable first: a failed query then stops the script, as set -e promises.
  listed=$(query "SELECT schema_name FROM information_schema.schemata
    WHERE schema_name NOT IN ('mysql', 'sys', 'performance_schema', 'information_schema') ORDER BY schema_name")
  mapfile -t databases <<< "$listed"
  [[ -n $listed ]] || databases=()
  if ((${#databases[@]} == 0)); then
    # Nothing to dump but the position: an empty statement list for one system schema carries it.
    what=(--no-data --no-create-info --no-create-db --skip-triggers --databases mysql)
  else
    what=(--routines --events --triggers --databases "${databases[@]}")
  fi

  # The position lines are comments near the top (binlog coordinates) and the end (GTID) of the
  # dump; they are copied aside as the dump streams by, so the dump is read once.
  "$dump" "${connection[@]}" --single-transaction --quick --hex-blob "${position_options[@]}" "${what[@]}" \
    | awk -v position="$partial/position" '
        /^-- (SET GLOBAL gtid_slave_pos|CHANGE MASTER TO MASTER_LOG_FILE|CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE)/ { print > position }
        /GTID_PURGED/ { purged = 1 }
        purged { print > position; if ($0 ~ /;$/) purged = 0 }
        { print }' \
    | gzip -1 > "$partial/dump.sql.gz"

  listed=$(query "SELECT CONCAT(QUOTE(user), '@', QUOTE(host)) FROM mysql.user
    WHERE user NOT IN ($OWN_ACCOUNTS) AND $accounts_filter ORDER BY user, host")
  mapfile -t accounts <<< "$listed"
  [[ -n $listed ]] || accounts=()
  for account in "${accounts[@]}"; do
    created=$(query "${show_prefix}SHOW CREATE USER $account")
    grants=$(query "SHOW GRANTS FOR $account")
    sed -e 's/^CREATE USER /CREATE USER IF NOT EXISTS /' -e 's/$/;/' <<< "$created"
    sed -e 's/$/;/' <<< "$grants"
  done > "$partial/users.sql"

  if [[ $TANDEM_FLAVOR == MariaDB ]]; then
    gtid=$(sed -n "s/^-- SET GLOBAL gtid_slave_pos='\(.*\)';$/\1/p" "$partial/position")
    coordinates=$(sed -n "s/^-- CHANGE MASTER TO MASTER_LOG_FILE='\(.*\)', MASTER_LOG_POS=\([0-9]*\);$/\1 \2/p" "$partial/position")
  else
    gtid=$(grep -v '^-- CHANGE' "$partial/position" | tr -d '\n' | sed -n "s/.*GTID_PURGED=[^']*'+'[^']*'\([^']*\)'.*/\1/p")
    [[ -n $gtid ]] || gtid=$(grep -v '^-- CHANGE' "$partial/position" | tr -d '\n' | sed -n "s/.*GTID_PURGED='\([^']*\)'.*/\1/p")
    coordinates=$(sed -n "s/^-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='\(.*\)', SOURCE_LOG_POS=\([0-9]*\);$/\1 \2/p" "$partial/position")
  fi
  read -r binlog_file binlog_position <<< "$coordinates"
  if [[ -z ${binlog_file:-} || -z ${binlog_position:-} ]]; then
    echo "backup: the dump carries no binlog coordinates; is binary logging on at $SOURCE_HOST?" >&2
    exit 1
  fi
  rm -f "$partial/position"
}

# A copy of the source's data files, consistent, prepared at restore time. Accounts travel in the
# copy's mysql schema.
# MariaDB: mariadb-backup reads the source's volume (mounted at SOURCE_DATADIR, on its node); its
# BACKUP STAGE locks hold commits on the source only for the moment its position is read.
# MySQL: the clone plugin, over the network. A server of the Job's own (the cluster's image, so the
# same version the clone needs) clones the source into the backup's directory, and reports the
# position it cloned at. The source keeps serving; its commits are not held.
physical_backup() {
  if [[ $TANDEM_FLAVOR == MySQL ]]; then
    clone_backup
    return
  fi
  local tool
  tool=$(command -v mariadb-backup || command -v mariabackup)
  echo "backup: physical copy of the data files of $SOURCE_HOST (${SOURCE_DATADIR:-/var/lib/mysql}) into $BACKUP_DIR"
  "$tool" "${connection[@]}" --backup "--datadir=${SOURCE_DATADIR:-/var/lib/mysql}" "--target-dir=$partial/data" \
    > "$partial/mariadb-backup.log" 2>&1 || { tail -n 5 "$partial/mariadb-backup.log" >&2; exit 1; }
  local info="$partial/data/mariadb_backup_binlog_info"
  [[ -f $info ]] || info="$partial/data/xtrabackup_binlog_info"
  read -r binlog_file binlog_position gtid < "$info" || true
  gtid=${gtid:-}
  rm -f "$partial/mariadb-backup.log"
  list_databases
  accounts=()
}

clone_backup() {
  local work="$partial/.clone" socket status
  echo "backup: physical clone of $SOURCE_HOST (MySQL clone plugin) into $BACKUP_DIR"
  mkdir -p "$work"
  # A Unix socket's path has at most 107 bytes; the backup's directory can be longer.
  socket=$(mktemp -u /tmp/tandem-clone.XXXXXX.sock)
  mysqld --no-defaults "--datadir=$work/data" --initialize-insecure > "$work/initialize.log" 2>&1 \
    || { tail -n 5 "$work/initialize.log" >&2; exit 1; }
  # Clone refuses a recipient without the plugins active on the donor: the instances load these.
  mysqld --no-defaults "--datadir=$work/data" "--socket=$socket" "--pid-file=$work/mysqld.pid" --mysqlx=OFF --skip-log-bin \
    --plugin-load-add=mysql_clone.so --plugin-load-add=semisync_source.so --plugin-load-add=semisync_replica.so \
    > "$work/mysqld.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do
    [[ -S $socket ]] && mysql --no-defaults "--socket=$socket" -uroot -e 'SELECT 1' > /dev/null 2>&1 && break
    kill -0 "$pid" 2> /dev/null || { tail -n 5 "$work/mysqld.log" >&2; exit 1; }
    sleep 0.1
  done
  # The password goes on stdin, never on a command line.
  if ! mysql --no-defaults "--socket=$socket" -uroot << SQL
SET GLOBAL clone_valid_donor_list = '$SOURCE_HOST:$SOURCE_PORT';
CLONE INSTANCE FROM '$BACKUP_USER'@'$SOURCE_HOST':$SOURCE_PORT IDENTIFIED BY $(sql_string "$BACKUP_PASSWORD")
  DATA DIRECTORY = '$partial/data';
SQL
  then
    kill "$pid"
    exit 1
  fi
  status=$(mysql --no-defaults "--socket=$socket" -uroot --batch --skip-column-names \
    -e "SELECT BINLOG_FILE, BINLOG_POSITION, REPLACE(GTID_EXECUTED, '\n', '') FROM performance_schema.clone_status")
  kill "$pid"
  wait "$pid" || true
  rm -rf "$work"
  read -r binlog_file binlog_position gtid <<< "$status"
  gtid=${gtid:-}
  list_databases
  accounts=()
}

sql_string() {
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\\\'}"
}

list_databases() {
  listed=$(query "SELECT schema_name FROM information_schema.schemata
    WHERE schema_name NOT IN ('mysql', 'sys', 'performance_schema', 'information_schema')")
  mapfile -t databases <<< "$listed"
  [[ -n $listed ]] || databases=()
}

# Whether a binary log that begins at GTID state $1 holds nothing before position $2: its state
# is not after the position in any GTID domain (MariaDB) or is a subset of it (MySQL).
begins_within() {
  if [[ $TANDEM_FLAVOR == MariaDB ]]; then
    awk -v start="$1" -v since="$2" 'BEGIN {
      n = split(since, s, ",")
      for (i = 1; i <= n; i++) { split(s[i], p, "-"); if (p[3] != "") reached[p[1]] = p[3] + 0 }
      m = split(start, f, ",")
      for (i = 1; i <= m; i++) { split(f[i], p, "-"); if (p[3] != "" && (!(p[1] in reached) || p[3] + 0 > reached[p[1]])) exit 1 }
      exit 0 }'
  else
    [[ $(query "SELECT GTID_SUBSET('$1', '$2')") == 1 ]]
  fi
}

# The source's binary logs since the previous backup (ARCHIVE_SINCE_GTID, its position; all of
# them without one): from the newest log that begins at or before that position. With the
# previous backup, they allow a restore to any point in time up to this one;
# binlog_expire_logs_seconds keeps 7 days of them.
archive_binlogs() {
  local binlog_client listed logs=() first=0 i start event
  binlog_client=$(command -v mariadb-binlog || command -v mysqlbinlog)
  listed=$(query "SHOW BINARY LOGS" | cut -f1)
  binlogs=0
  [[ -n $listed ]] || return 0
  mapfile -t logs <<< "$listed"
  event=Gtid_list
  [[ $TANDEM_FLAVOR == MariaDB ]] || event=Previous_gtids
  if [[ -n ${ARCHIVE_SINCE_GTID:-} ]]; then
    for ((i = ${#logs[@]} - 1; i >= 0; i--)); do
      # The GTID state a log begins at is its first events' (escaped newlines between MySQL's UUIDs).
      start=$("$client" "${connection[@]}" --connect-timeout=10 --batch --skip-column-names \
        -e "SHOW BINLOG EVENTS IN '${logs[i]}' LIMIT 3" | awk -F'\t' -v event="$event" '$3 == event { print $6 }' \
        | sed -e 's/\\n//g' -e 's/^\[//' -e 's/\]$//' -e 's/ //g')
      if begins_within "$start" "$ARCHIVE_SINCE_GTID"; then
        first=$i
        break
      fi
    done
  fi
  logs=("${logs[@]:first}")
  mkdir -p "$partial/binlogs"
  "$binlog_client" "${connection[@]}" --read-from-remote-server --raw "--result-file=$partial/binlogs/" "${logs[@]}"
  binlogs=${#logs[@]}
  echo "backup: archived $binlogs binary log file(s) of $SOURCE_HOST${ARCHIVE_SINCE_GTID:+, since GTID position '$ARCHIVE_SINCE_GTID'}"
}

started=$(date -u +%FT%TZ)
method=${BACKUP_METHOD:-Logical}
case $method in
  Logical) logical_backup ;;
  Physical) physical_backup ;;
  *) echo "backup: unknown method '$method' (Logical or Physical)" >&2; exit 1 ;;
esac
archive_binlogs
finished=$(date -u +%FT%TZ)
cat > "$partial/backup.json" << JSON
{"method": "$method", "flavor": "$TANDEM_FLAVOR", "source": "$SOURCE_HOST", "gtidPosition": "$gtid",
 "binlogFile": "$binlog_file", "binlogPosition": $binlog_position, "startedAt": "$started", "finishedAt": "$finished",
 "databases": ${#databases[@]}, "accounts": ${#accounts[@]}, "binlogs": $binlogs}
JSON
sync
mv "$partial" "$BACKUP_DIR"
size=$(du -sb "$BACKUP_DIR" | cut -f1)
echo "backup: complete, $size bytes, GTID position '$gtid'"
echo "tandem-backup-result {\"gtidPosition\":\"$gtid\",\"binlogFile\":\"$binlog_file\",\"binlogPosition\":$binlog_position,\"sizeBytes\":$size}"
