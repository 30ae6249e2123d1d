package dev.tandem.api;

import java.util.Arrays;
import java.util.List;

/**
 * The names a MySQLDatabase, MySQLUser or MySQLGrant may not take, and the privileges a grant may
 * hold. Each list is written once, as the CEL list the CRD's rules check, and read from that same
 * text by the operator, which checks again (a CRD installed without its rules admits anything).
 */
public final class SchemaNames {

  /** The server's own schemas: granting on them, or dropping them, breaks every instance. */
  public static final String SYSTEM_SCHEMAS_CEL = "['mysql','sys','performance_schema','information_schema']";

  /**
   * The accounts Tandem and the servers own: root, the operator's, replication's, backups', the
   * administrator that applies these resources, the exporter's, the seeding account, and the servers' internal ones.
   */
  public static final String RESERVED_USERS_CEL =
      "['root','tandem','tandem_admin','tandem_exporter','repl','backup','tandem_seed','mariadb.sys','mysql.sys','mysql.session',"
          + "'mysql.infoschema','PUBLIC']";

  /** Why a MySQLUser or MySQLGrant naming one of {@link #RESERVED_USERS_CEL} is refused. */
  public static final String RESERVED_USERS_MESSAGE = "root, tandem, tandem_admin, tandem_exporter, repl, backup, tandem_seed and the"
      + " servers' internal accounts belong to Tandem or the server";

  public static final String DATABASE_PRIVILEGES_CEL =
      "['ALL PRIVILEGES','SELECT','INSERT','UPDATE','DELETE','CREATE','DROP','REFERENCES','INDEX','ALTER',"
          + "'CREATE TEMPORARY TABLES','LOCK TABLES','EXECUTE','CREATE VIEW','SHOW VIEW','CREATE ROUTINE',"
          + "'ALTER ROUTINE','EVENT','TRIGGER','DELETE HISTORY']";

  public static final String TABLE_PRIVILEGES_CEL =
      "['ALL PRIVILEGES','SELECT','INSERT','UPDATE','DELETE','CREATE','DROP','REFERENCES','INDEX','ALTER',"
          + "'CREATE VIEW','SHOW VIEW','TRIGGER','DELETE HISTORY']";

  /** A database or table name: letters, digits, '_', '$', '-'; quoted wherever it is used. */
  public static final String OBJECT_NAME_PATTERN = "^[A-Za-z0-9_$][A-Za-z0-9_$-]*$";
  public static final String USER_NAME_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9_.-]*$";
  /**
   * A host pattern as MySQL takes it: a name, an address, a netmask, with % and _ wildcards. Lower
   * case only: MariaDB stores a host name lower-cased, and the account would not be found again.
   */
  public static final String HOST_PATTERN = "^[a-z0-9%_.:/-]+$";
  /** utf8 is an alias the server stores as utf8mb3: asked as utf8, it would differ on every check. */
  public static final String NO_CHARSET_ALIAS_CEL = "self != 'utf8' && !self.startsWith('utf8_')";

  public static final List<String> SYSTEM_SCHEMAS = list(SYSTEM_SCHEMAS_CEL);
  public static final List<String> RESERVED_USERS = list(RESERVED_USERS_CEL);
  public static final List<String> DATABASE_PRIVILEGES = list(DATABASE_PRIVILEGES_CEL);
  public static final List<String> TABLE_PRIVILEGES = list(TABLE_PRIVILEGES_CEL);

  private SchemaNames() {}

  public static boolean isSystemSchema(String name) {
    return SYSTEM_SCHEMAS.stream().anyMatch(schema -> schema.equalsIgnoreCase(name));
  }

  private static List<String> list(String cel) {
    return Arrays.stream(cel.substring(1, cel.length() - 1).split(","))
        .map(quoted -> quoted.substring(1, quoted.length() - 1)).toList();
  }
}
