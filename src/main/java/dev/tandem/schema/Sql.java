package dev.tandem.schema;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Quoting and the few query shapes {@link SchemaObjects} needs. */
final class Sql {

  private Sql() {}

  /** A quoted identifier; a backtick inside is doubled. */
  static String identifier(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  /** A quoted string literal, for sessions that keep backslash escapes (Sessions sees to it). */
  static String string(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  /**
   * The IDENTIFIED clause for a password. MariaDB writes CREATE and ALTER USER to the binary log as
   * sent, so it gets the password's hash (mysql_native_password's, SHA1 of SHA1) and the clear
   * password never reaches a binary log, a replica's relay log or an archived backup; MySQL logs
   * the statement with the hash in place of the password by itself.
   */
  static String identifiedBy(Connection connection, String password) throws SQLException {
    boolean mariaDb = single(connection, "SELECT VERSION()").orElse("").contains("MariaDB");
    return mariaDb ? "IDENTIFIED BY PASSWORD " + string(nativePasswordHash(password)) : "IDENTIFIED BY " + string(password);
  }

  static String nativePasswordHash(String password) {
    try {
      var sha1 = MessageDigest.getInstance("SHA-1");
      byte[] twice = sha1.digest(sha1.digest(password.getBytes(StandardCharsets.UTF_8)));
      return "*" + HexFormat.of().withUpperCase().formatHex(twice);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
    }
  }

  /** 'user'@'host', as statements name an account and information_schema its grantee. */
  static String account(String user, String host) {
    return string(user) + "@" + string(host);
  }

  static void execute(Connection connection, String sql) throws SQLException {
    try (var statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /**
   * A statement carrying a password: the server's error may quote the statement, so only its code
   * and state are passed on.
   */
  static void executeSecret(Connection connection, String sql) throws SQLException {
    try (var statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new SQLException("the server refused setting the password: error " + e.getErrorCode() + " (SQLSTATE "
          + e.getSQLState() + "; its text is not shown, as it may quote the password)", e.getSQLState(), e.getErrorCode());
    }
  }

  static List<List<String>> rows(Connection connection, String sql, String... parameters) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setString(i + 1, parameters[i]);
      }
      try (var result = statement.executeQuery()) {
        var rows = new ArrayList<List<String>>();
        int columns = result.getMetaData().getColumnCount();
        while (result.next()) {
          var row = new ArrayList<String>();
          for (int i = 1; i <= columns; i++) {
            row.add(result.getString(i));
          }
          rows.add(row);
        }
        return rows;
      }
    }
  }

  static Optional<List<String>> row(Connection connection, String sql, String... parameters) throws SQLException {
    return rows(connection, sql, parameters).stream().findFirst();
  }

  static Optional<String> single(Connection connection, String sql) throws SQLException {
    return row(connection, sql).map(row -> row.get(0));
  }
}
