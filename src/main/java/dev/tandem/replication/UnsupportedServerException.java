package dev.tandem.replication;

/** The server is not a flavor or version Tandem supports; the message says which ones it does. */
public class UnsupportedServerException extends RuntimeException {
  public UnsupportedServerException(String message) {
    super(message);
  }
}
