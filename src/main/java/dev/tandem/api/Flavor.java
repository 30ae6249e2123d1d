package dev.tandem.api;

/** The database server family; it decides the image, the config dialect and the SQL dialect. */
public enum Flavor {
  MySQL("mysql", "8.4"),
  MariaDB("mariadb", "10.11");

  private final String officialImage;
  private final String defaultVersion;

  Flavor(String officialImage, String defaultVersion) {
    this.officialImage = officialImage;
    this.defaultVersion = defaultVersion;
  }

  public String defaultVersion() {
    return defaultVersion;
  }

  public String imageFor(String version) {
    return officialImage + ":" + version;
  }
}
