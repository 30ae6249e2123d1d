package dev.tandem.schema;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Databases, accounts and privileges on one server, made to match what is asked, statement by
 * statement, and only where the server differs: applying what the server already holds runs no
 * statement, so it writes nothing to the binary log. Each call says what it changed, which the
 * caller reports as created, changed or drift reverted. JDBC only: no Kubernetes types.
 *
 * <p>Every change runs on a writable server only, checked first: the account that runs them holds
 * neither SUPER nor READ_ONLY ADMIN (nor can MySQL's super_read_only be bypassed), so a server that
 * turned read-only, a replica or a fenced master, refuses the statement itself.
 */
public final class SchemaObjects {

  /** What a call found and did. {@code differences} name each thing the server had otherwise, in words. */
  public record Outcome(Change change, List<String> differences) {
    public static Outcome unchanged() {
      return new Outcome(Change.UNCHANGED, List.of());
    }
  }

  public enum Change {
    CREATED,
    CHANGED,
    UNCHANGED
  }

  /** The outcome of a grant and the privileges the server lists for it afterwards. */
  public record GrantOutcome(Outcome outcome, Set<String> held) {}

  /** The server is read-only: not the master, or fenced. */
  public static final class NotWritable extends SQLException {
    NotWritable() {
      super("the server is read-only: it is not the master, or it is being fenced");
    }
  }

  private SchemaObjects() {}

  public static void requireWritable(Connection connection) throws SQLException {
    if (Sql.single(connection, "SELECT @@global.read_only").map(value -> !"0".equals(value)).orElse(true)) {
      throw new NotWritable();
    }
  }

  public static Outcome database(Connection connection, Database database) throws SQLException {
    var found = Sql.row(connection,
        "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        database.name());
    String options = database.characterSet().map(set -> " CHARACTER SET " + set).orElse("")
        + database.collation().map(collation -> " COLLATE " + collation).orElse("");
    if (found.isEmpty()) {
      requireWritable(connection);
      Sql.execute(connection, "CREATE DATABASE IF NOT EXISTS " + Sql.identifier(database.name()) + options);
      return new Outcome(Change.CREATED, List.of());
    }
    var differences = new ArrayList<String>();
    database.characterSet().filter(set -> !set.equalsIgnoreCase(found.get().get(0)))
        .ifPresent(set -> differences.add("character set " + found.get().get(0) + ", not " + set));
    database.collation().filter(collation -> !collation.equalsIgnoreCase(found.get().get(1)))
        .ifPresent(collation -> differences.add("collation " + found.get().get(1) + ", not " + collation));
    if (differences.isEmpty()) {
      return Outcome.unchanged();
    }
    requireWritable(connection);
    Sql.execute(connection, "ALTER DATABASE " + Sql.identifier(database.name()) + options);
    return new Outcome(Change.CHANGED, differences);
  }

  /** Drops the database if it exists; whether it did. */
  public static boolean dropDatabase(Connection connection, String name) throws SQLException {
    if (Sql.row(connection, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).isEmpty()) {
      return false;
    }
    requireWritable(connection);
    Sql.execute(connection, "DROP DATABASE IF EXISTS " + Sql.identifier(name));
    return true;
  }

  public static boolean userExists(Connection connection, String user, String host) throws SQLException {
    return Sql.row(connection, "SELECT User FROM mysql.user WHERE User = ? AND Host = ?", user, host).isPresent();
  }

  /**
   * Creates the account with {@code password}, or brings an existing one's limits back to those
   * asked; its password is set again only when {@code setPassword} (the Secret's password
   * changed), since the server keeps only a hash, which it does not let the caller compare.
   */
  public static Outcome user(Connection connection, User user, String password, boolean setPassword) throws SQLException {
    var found = Sql.row(connection,
        "SELECT max_questions, max_updates, max_connections, max_user_connections FROM mysql.user WHERE User = ? AND Host = ?",
        user.name(), user.host());
    String account = Sql.account(user.name(), user.host());
    if (found.isEmpty()) {
      requireWritable(connection);
      Sql.executeSecret(connection, "CREATE USER " + account + " " + Sql.identifiedBy(connection, password) + user.limits().clause());
      return new Outcome(Change.CREATED, List.of());
    }
    var held = new Limits(Long.parseLong(found.get().get(0)), Long.parseLong(found.get().get(1)),
        Long.parseLong(found.get().get(2)), Long.parseLong(found.get().get(3)));
    var differences = new ArrayList<>(held.differencesFrom(user.limits()));
    if (setPassword) {
      differences.add("another password than the Secret's");
    }
    if (differences.isEmpty()) {
      return Outcome.unchanged();
    }
    requireWritable(connection);
    if (setPassword) {
      Sql.executeSecret(connection, "ALTER USER " + account + " " + Sql.identifiedBy(connection, password));
    }
    if (!held.equals(user.limits())) {
      Sql.execute(connection, "ALTER USER " + account + user.limits().clause());
    }
    return new Outcome(Change.CHANGED, differences);
  }

  /** Drops the account if it exists; whether it did. */
  public static boolean dropUser(Connection connection, String user, String host) throws SQLException {
    if (!userExists(connection, user, host)) {
      return false;
    }
    requireWritable(connection);
    Sql.execute(connection, "DROP USER IF EXISTS " + Sql.account(user, host));
    return true;
  }

  /**
   * Gives the account exactly the privileges asked on the grant's database or table: the missing
   * ones granted, any others revoked, the grant option added or taken. ALL PRIVILEGES is whatever
   * the server lists after granting it, {@code allAsListed} once known (the caller records it).
   */
  public static GrantOutcome grant(Connection connection, Grant grant, Optional<Set<String>> allAsListed) throws SQLException {
    var held = held(connection, grant);
    var differences = new ArrayList<String>();
    var statements = new ArrayList<String>();
    String on = " ON " + grant.target() + " ";
    String account = Sql.account(grant.user(), grant.host());
    var missing = new TreeSet<>(grant.allPrivileges() ? allAsListed.orElse(Set.of()) : grant.privileges());
    missing.removeAll(held.privileges());
    boolean grantOptionMissing = grant.grantOption() && !held.grantable();
    // ALL PRIVILEGES is granted until the server's own list of it is known.
    boolean allUnknown = grant.allPrivileges() && allAsListed.isEmpty();
    if (!missing.isEmpty() || grantOptionMissing || allUnknown) {
      String privileges = grant.allPrivileges() ? "ALL PRIVILEGES"
          : String.join(", ", grantOptionMissing ? grant.privileges() : missing);
      statements.add("GRANT " + privileges + on + "TO " + account + (grant.grantOption() ? " WITH GRANT OPTION" : ""));
    }
    boolean heldAnything = !held.privileges().isEmpty() || held.grantable();
    if (heldAnything && !missing.isEmpty()) {
      differences.add("missing " + String.join(", ", missing));
    }
    if (heldAnything && grantOptionMissing) {
      differences.add("no grant option");
    }
    if (!grant.allPrivileges()) {
      var extra = new TreeSet<>(held.privileges());
      extra.removeAll(grant.privileges());
      if (!extra.isEmpty()) {
        statements.add("REVOKE " + String.join(", ", extra) + on + "FROM " + account);
        differences.add("also held " + String.join(", ", extra));
      }
    }
    if (!grant.grantOption() && held.grantable()) {
      statements.add("REVOKE GRANT OPTION" + on + "FROM " + account);
      differences.add("a grant option");
    }
    var onPattern = heldOnPattern(connection, grant);
    if (onPattern.isPresent()) {
      String pattern = " ON " + Sql.identifier(grant.database()) + ".* FROM " + account;
      if (!onPattern.get().privileges().isEmpty()) {
        statements.add("REVOKE " + String.join(", ", onPattern.get().privileges()) + pattern);
      }
      if (onPattern.get().grantable()) {
        statements.add("REVOKE GRANT OPTION" + pattern);
      }
      differences.add("privileges on the pattern `" + grant.database() + "`, which matches other databases too: "
          + String.join(", ", onPattern.get().privileges()));
    }
    if (statements.isEmpty()) {
      return new GrantOutcome(Outcome.unchanged(), held.privileges());
    }
    requireWritable(connection);
    for (String statement : statements) {
      Sql.execute(connection, statement);
    }
    var after = held(connection, grant);
    if (differences.isEmpty() && heldAnything && after.equals(held)) {
      // ALL PRIVILEGES granted again for a new spec, finding everything held already.
      return new GrantOutcome(Outcome.unchanged(), after.privileges());
    }
    return new GrantOutcome(new Outcome(heldAnything ? Change.CHANGED : Change.CREATED, differences), after.privileges());
  }

  /** Revokes whatever the account holds on the grant's database or table; whether it held anything. */
  public static boolean revoke(Connection connection, Grant grant) throws SQLException {
    var held = held(connection, grant);
    if (held.privileges().isEmpty() && !held.grantable()) {
      return false;
    }
    requireWritable(connection);
    String on = " ON " + grant.target() + " FROM " + Sql.account(grant.user(), grant.host());
    if (!held.privileges().isEmpty()) {
      Sql.execute(connection, "REVOKE " + String.join(", ", held.privileges()) + on);
    }
    if (held.grantable()) {
      Sql.execute(connection, "REVOKE GRANT OPTION" + on);
    }
    return true;
  }

  private record Held(Set<String> privileges, boolean grantable) {}

  /**
   * What the account holds on the database's name taken as a pattern ('_' and '%' wildcards, as a
   * hand-typed GRANT on it is stored): not asked, since it reaches other databases too. Empty for a
   * table grant, or a name with no wildcard in it, where the two are the same.
   */
  private static Optional<Held> heldOnPattern(Connection connection, Grant grant) throws SQLException {
    if (!grant.table().equals("*") || Grant.literalPattern(grant.database()).equals(grant.database())) {
      return Optional.empty();
    }
    var held = held(connection, new Grant(grant.user(), grant.host(), grant.database(), "*", grant.privileges(), grant.grantOption()),
        grant.database());
    return held.privileges().isEmpty() && !held.grantable() ? Optional.empty() : Optional.of(held);
  }

  private static Held held(Connection connection, Grant grant) throws SQLException {
    return held(connection, grant, Grant.literalPattern(grant.database()));
  }

  /** As information_schema lists them: one row per privilege, each saying whether it is grantable. */
  private static Held held(Connection connection, Grant grant, String schemaAsStored) throws SQLException {
    String grantee = Sql.account(grant.user(), grant.host());
    List<List<String>> rows = grant.table().equals("*")
        ? Sql.rows(connection, "SELECT PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.SCHEMA_PRIVILEGES"
            + " WHERE GRANTEE = ? AND TABLE_SCHEMA = ?", grantee, schemaAsStored)
        : Sql.rows(connection, "SELECT PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.TABLE_PRIVILEGES"
            + " WHERE GRANTEE = ? AND TABLE_SCHEMA = ? AND TABLE_NAME = ?", grantee, grant.database(), grant.table());
    var privileges = new TreeSet<String>();
    boolean grantable = false;
    for (var row : rows) {
      // USAGE is what the server lists for a grant option with no privilege left: no privilege.
      if (!"USAGE".equalsIgnoreCase(row.get(0))) {
        privileges.add(row.get(0).toUpperCase(Locale.ROOT));
      }
      grantable |= "YES".equalsIgnoreCase(row.get(1));
    }
    return new Held(privileges, grantable);
  }
}
