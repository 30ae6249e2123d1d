package dev.tandem.schema;

import java.util.Optional;

/** A database as asked: its name and, where asked, its default character set and collation. */
public record Database(String name, Optional<String> characterSet, Optional<String> collation) {}
