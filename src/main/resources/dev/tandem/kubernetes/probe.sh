#!/bin/bash
# Tandem probes for the mysqld container.
#   alive: mysqld answers on its socket, whatever it is doing (a replica catching up is alive);
#   ready: mysqld accepts a query from the operator account.
# Passwords come from the environment (MYSQL_PWD), never from the command line.
set -uo pipefail
RUN_DIR=${RUN_DIR:-/var/run/mysqld}
socket="$RUN_DIR/mysqld.sock"
admin=$(command -v mariadb-admin || command -v mysqladmin)
client=$(command -v mariadb || command -v mysql)

case "${1:-}" in
  alive)
    # ping succeeds even when the account is refused: it proves only that mysqld answers.
    exec "$admin" --no-defaults "--socket=$socket" --connect-timeout=5 -u"${OPERATOR_USER:-tandem}" ping > /dev/null
    ;;
  ready)
    export MYSQL_PWD=${OPERATOR_PASSWORD:?}
    exec "$client" --no-defaults "--socket=$socket" --connect-timeout=5 -u"${OPERATOR_USER:-tandem}" -N -e 'SELECT 1' > /dev/null
    ;;
  *)
    echo "usage: probe.sh alive|ready" >&2
    exit 2
    ;;
esac
