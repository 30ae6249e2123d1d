package dev.tandem.schema;

import java.util.Set;
import java.util.TreeSet;

/** Privileges of one account on one database ({@code table} "*") or one table of it. */
public record Grant(String user, String host, String database, String table, Set<String> privileges, boolean grantOption) {

  public static final String ALL_PRIVILEGES = "ALL PRIVILEGES";

  public Grant {
    privileges = new TreeSet<>(privileges.stream().map(p -> p.equals("ALL") ? ALL_PRIVILEGES : p).toList());
  }

  public boolean allPrivileges() {
    return privileges.contains(ALL_PRIVILEGES);
  }

  /**
   * In a database-level grant the name is a pattern, '_' and '%' its wildcards: escaped, the
   * grant is on that one database, as asked, and not on every name the pattern matches.
   */
  static String literalPattern(String database) {
    return database.replace("_", "\\_").replace("%", "\\%");
  }

  String target() {
    return table.equals("*")
        ? Sql.identifier(literalPattern(database)) + ".*"
        : Sql.identifier(database) + "." + Sql.identifier(table);
  }
}
