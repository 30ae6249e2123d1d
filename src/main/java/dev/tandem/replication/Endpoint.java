package dev.tandem.replication;

/** Where an instance's mysqld listens, as its peers and the operator reach it. */
public record Endpoint(String host, int port) {
  public Endpoint {
    if (host == null || host.isBlank() || port < 1 || port > 65535) {
      throw new IllegalArgumentException("bad endpoint " + host + ":" + port);
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
