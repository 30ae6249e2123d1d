package dev.tandem.schema;

/** An account as asked, but for its password, which the caller passes apart so it is in no record. */
public record User(String name, String host, Limits limits) {}
