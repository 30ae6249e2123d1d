package dev.tandem.replication;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A MariaDB GTID state, {@code domain-server-seq[,…]}: for each replication domain and each
 * originating server, the sequence number of the last transaction from it. This is what
 * {@code @@gtid_binlog_state} prints; a position ({@code @@gtid_current_pos}, {@code Gtid_IO_Pos})
 * is the special case of one entry per domain.
 *
 * <p>Within a domain, MariaDB's strict mode keeps history linear, so holding a domain's last
 * transaction means holding all before it. Hence {@code a.contains(b)}: for each domain of b,
 * a holds b's last transaction there, that is, a's entry for the same originating server reaches
 * b's sequence number. Comparing by origin as well as number is what exposes an errant
 * transaction: a replica's local write {@code 0-3-106} is not "contained" in a master at
 * {@code 0-1-110} even though 106 &lt; 110.
 */
public record DomainGtidSet(Map<Long, Map<Long, Long>> sequenceByServerByDomain) implements GtidSet {

  private static final Pattern GTID = Pattern.compile("(\\d+)-(\\d+)-(\\d+)");

  public static final DomainGtidSet EMPTY = new DomainGtidSet(Map.of());

  /** One transaction's identity. */
  public record Gtid(long domain, long server, long sequence) {
    @Override
    public String toString() {
      return domain + "-" + server + "-" + sequence;
    }
  }

  public DomainGtidSet {
    var copy = new TreeMap<Long, Map<Long, Long>>();
    sequenceByServerByDomain.forEach(
        (domain, byServer) -> {
          if (!byServer.isEmpty()) {
            copy.put(domain, Collections.unmodifiableMap(new TreeMap<>(byServer)));
          }
        });
    sequenceByServerByDomain = Collections.unmodifiableMap(copy);
  }

  public static DomainGtidSet parse(String text) {
    var state = new TreeMap<Long, Map<Long, Long>>();
    for (String member : text.replaceAll("\\s", "").split(",")) {
      if (member.isEmpty()) {
        continue;
      }
      var gtid = GTID.matcher(member);
      if (!gtid.matches()) {
        throw new IllegalArgumentException("not a MariaDB GTID list: '" + text + "' (bad GTID '" + member + "')");
      }
      state.computeIfAbsent(Long.parseLong(gtid.group(1)), d -> new TreeMap<>())
          .merge(Long.parseLong(gtid.group(2)), Long.parseLong(gtid.group(3)), Math::max);
    }
    return new DomainGtidSet(state);
  }

  /** The last transaction of a domain: the one with the highest sequence number. */
  public Optional<Gtid> last(long domain) {
    return Optional.ofNullable(sequenceByServerByDomain.get(domain))
        .flatMap(byServer -> byServer.entrySet().stream().max(Map.Entry.comparingByValue()))
        .map(entry -> new Gtid(domain, entry.getKey(), entry.getValue()));
  }

  /** The last transaction of every domain: what MASTER_GTID_WAIT and MASTER_USE_GTID take. */
  public DomainGtidSet position() {
    var position = new TreeMap<Long, Map<Long, Long>>();
    sequenceByServerByDomain.keySet()
        .forEach(domain -> last(domain).ifPresent(gtid -> position.put(domain, Map.of(gtid.server(), gtid.sequence()))));
    return new DomainGtidSet(position);
  }

  /**
   * Whether {@code source} lacks, in some domain, only transactions the server {@code ownServerId}
   * wrote itself: a master ahead of its peer in its own domain.
   */
  public boolean aheadOnlyWithOwnWrites(DomainGtidSet source, long ownServerId) {
    return sequenceByServerByDomain.entrySet().stream().anyMatch(domain -> {
      var theirs = source.sequenceByServerByDomain.getOrDefault(domain.getKey(), Map.of());
      return !source.holds(last(domain.getKey()).orElseThrow())
          && domain.getValue().entrySet().stream()
              .filter(entry -> entry.getValue() > theirs.getOrDefault(entry.getKey(), 0L))
              .allMatch(entry -> entry.getKey() == ownServerId);
    });
  }

  private boolean holds(Gtid gtid) {
    return sequenceByServerByDomain.getOrDefault(gtid.domain(), Map.of()).getOrDefault(gtid.server(), 0L) >= gtid.sequence();
  }

  @Override
  public boolean contains(GtidSet other) {
    return same(other).subtract(this).isEmpty();
  }

  /** The last transaction of each domain here that {@code other} does not hold. */
  @Override
  public DomainGtidSet subtract(GtidSet other) {
    var others = same(other);
    var missing = new TreeMap<Long, Map<Long, Long>>();
    sequenceByServerByDomain.keySet().forEach(
        domain -> last(domain).filter(gtid -> !others.holds(gtid))
            .ifPresent(gtid -> missing.put(domain, Map.of(gtid.server(), gtid.sequence()))));
    return new DomainGtidSet(missing);
  }

  @Override
  public DomainGtidSet union(GtidSet other) {
    var merged = new TreeMap<Long, Map<Long, Long>>();
    for (var state : new DomainGtidSet[] {this, same(other)}) {
      state.sequenceByServerByDomain.forEach(
          (domain, byServer) -> byServer.forEach(
              (server, sequence) -> merged.computeIfAbsent(domain, d -> new TreeMap<>()).merge(server, sequence, Math::max)));
    }
    return new DomainGtidSet(merged);
  }

  @Override
  public boolean isEmpty() {
    return sequenceByServerByDomain.isEmpty();
  }

  /** This state without the entries of the server with this server_id. */
  public DomainGtidSet withoutServer(long serverId) {
    var kept = new TreeMap<Long, Map<Long, Long>>();
    sequenceByServerByDomain.forEach((domain, byServer) -> {
      var others = new TreeMap<>(byServer);
      others.remove(serverId);
      kept.put(domain, others);
    });
    return new DomainGtidSet(kept);
  }

  private static DomainGtidSet same(GtidSet other) {
    if (other instanceof DomainGtidSet domainSet) {
      return domainSet;
    }
    throw new IllegalArgumentException("cannot compare a MariaDB GTID list with " + other.getClass().getSimpleName());
  }

  @Override
  public String toString() {
    var text = new StringBuilder();
    sequenceByServerByDomain.forEach(
        (domain, byServer) -> byServer.forEach(
            (server, sequence) -> text.append(text.isEmpty() ? "" : ",").append(new Gtid(domain, server, sequence))));
    return text.toString();
  }
}
