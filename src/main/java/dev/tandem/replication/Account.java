package dev.tandem.replication;

/** A MySQL account the engine uses or creates. The password never appears in toString or logs. */
public record Account(String user, String password) {
  public Account {
    if (user == null || !user.matches("[A-Za-z0-9_.-]{1,32}")) {
      throw new IllegalArgumentException("bad account name '" + user + "': 1–32 letters, digits, '_', '.', '-'");
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("the password of account '" + user + "' is empty");
    }
  }

  @Override
  public String toString() {
    return user + " (password hidden)";
  }
}
