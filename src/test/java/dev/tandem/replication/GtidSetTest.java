package dev.tandem.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class GtidSetTest {

  static final String A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  static final String B = "4a2b7c31-0000-11e1-9e33-c80aa9429562";

  @Nested
  class MySqlFormat {
    @Test
    void parsesWhatGtidExecutedPrintsAcrossLinesAndNormalizesIt() {
      var set = UuidGtidSet.parse(B + ":1-3,\n" + A.toUpperCase() + ":1-5:6:8-9:7");

      assertThat(set).hasToString(A + ":1-9," + B + ":1-3");
    }

    @Test
    void keepsMySql84TaggedTransactionsApartFromUntaggedOnes() {
      var set = UuidGtidSet.parse(A + ":1-5:backup:1-2");

      assertThat(set).hasToString(A + ":1-5:backup:1-2");
      assertThat(set.contains(UuidGtidSet.parse(A + ":backup:2"))).isTrue();
      assertThat(set.contains(UuidGtidSet.parse(A + ":backup:3"))).isFalse();
    }

    @Test
    void emptyTextIsTheEmptySet() {
      assertThat(UuidGtidSet.parse("").isEmpty()).isTrue();
      assertThat(UuidGtidSet.parse("")).hasToString("");
    }

    @Test
    void containsComparesEveryInterval() {
      var set = UuidGtidSet.parse(A + ":1-10," + B + ":1-5");

      assertThat(set.contains(UuidGtidSet.parse(A + ":3-7"))).isTrue();
      assertThat(set.contains(UuidGtidSet.parse(A + ":3-11"))).isFalse();
      assertThat(set.contains(UuidGtidSet.parse(B + ":6"))).isFalse();
      assertThat(set.contains(UuidGtidSet.EMPTY)).isTrue();
      assertThat(UuidGtidSet.EMPTY.contains(set)).isFalse();
    }

    @Test
    void subtractLeavesExactlyTheMissingTransactions() {
      var missing = UuidGtidSet.parse(A + ":1-10:20-25," + B + ":1-5").subtract(UuidGtidSet.parse(A + ":3-4:21," + B + ":1-5"));

      assertThat(missing).hasToString(A + ":1-2:5-10:20:22-25");
    }

    @Test
    void unionMergesAdjacentIntervals() {
      var union = UuidGtidSet.parse(A + ":1-5").union(UuidGtidSet.parse(A + ":6-8," + B + ":2"));

      assertThat(union).hasToString(A + ":1-8," + B + ":2");
    }

    @Test
    void withoutServerDropsOneServersTransactionsWithTheirTags() {
      var set = UuidGtidSet.parse(A + ":1-5:t:1," + B + ":1");

      assertThat(set.withoutServer(A.toUpperCase())).hasToString(B + ":1");
    }

    @Test
    void refusesTextThatIsNotAGtidSet() {
      assertThatThrownBy(() -> UuidGtidSet.parse("not-a-uuid:1-5")).hasMessageContaining("bad server uuid 'not-a-uuid'");
      assertThatThrownBy(() -> UuidGtidSet.parse(A + ":5-3")).hasMessageContaining("bad interval '5-3'");
      assertThatThrownBy(() -> UuidGtidSet.parse(A + ":x-3")).hasMessageContaining("bad interval 'x-3'");
    }
  }

  @Nested
  class MariaDbFormat {
    @Test
    void parsesABinlogStateWithSeveralOriginsPerDomain() {
      var state = DomainGtidSet.parse("1-1001-20, 0-1000-10,0-1002-4");

      assertThat(state).hasToString("0-1000-10,0-1002-4,1-1001-20");
      assertThat(state.last(0)).contains(new DomainGtidSet.Gtid(0, 1000, 10));
      assertThat(state.position()).hasToString("0-1000-10,1-1001-20");
    }

    @Test
    void duplicatesKeepTheHighestSequenceNumber() {
      assertThat(DomainGtidSet.parse("0-1000-5,0-1000-9,0-1000-7")).hasToString("0-1000-9");
    }

    @Test
    void holdingTheLastTransactionOfEachDomainMeansHoldingItAll() {
      var master = DomainGtidSet.parse("0-1000-110");

      assertThat(master.contains(DomainGtidSet.parse("0-1000-105"))).isTrue();
      assertThat(master.contains(DomainGtidSet.parse("0-1000-111"))).isFalse();
      assertThat(master.contains(DomainGtidSet.parse("1-1001-1"))).isFalse();
    }

    @Test
    void aLocalWriteOnAReplicaIsNotContainedEvenWithALowerSequenceNumber() {
      var master = DomainGtidSet.parse("0-1000-110");
      var errantReplica = DomainGtidSet.parse("0-1000-105,0-1002-106");

      assertThat(master.contains(errantReplica)).isFalse();
      assertThat(errantReplica.subtract(master)).hasToString("0-1002-106");
    }

    @Test
    void aServerThatWasMasterLongAgoIsStillContained() {
      var replica = DomainGtidSet.parse("0-1001-50,0-1000-105");
      var master = DomainGtidSet.parse("0-1000-110");

      assertThat(master.contains(replica)).isTrue();
      assertThat(replica.subtract(master).isEmpty()).isTrue();
    }

    @Test
    void unionKeepsTheHighestPerOrigin() {
      var union = DomainGtidSet.parse("0-1000-5,1-1001-3").union(DomainGtidSet.parse("0-1000-9,0-1002-2"));

      assertThat(union).hasToString("0-1000-9,0-1002-2,1-1001-3");
    }

    @Test
    void withoutServerDropsOneOrigin() {
      assertThat(DomainGtidSet.parse("0-1000-9,0-1002-2,1-1000-3").withoutServer(1000)).hasToString("0-1002-2");
    }

    @Test
    void aMasterAheadOfItsPeerOnlyInItsOwnDomainIsAheadOnlyWithOwnWrites() {
      var master = DomainGtidSet.parse("0-1000-50,1-1001-60");
      var peer = DomainGtidSet.parse("0-1000-50,1-1001-55");

      assertThat(master.aheadOnlyWithOwnWrites(peer, 1001)).isTrue();
      assertThat(master.aheadOnlyWithOwnWrites(DomainGtidSet.parse("0-1000-50"), 1001)).as("a domain the peer lacks altogether").isTrue();
    }

    @Test
    void aServerTheSourceHoldsOrThatHoldsOthersWritesTheSourceLacksIsNotAheadOnlyWithOwnWrites() {
      var truncatedPeer = DomainGtidSet.parse("0-1000-786,1-1001-60");

      assertThat(DomainGtidSet.parse("0-1000-786,1-1001-40").aheadOnlyWithOwnWrites(truncatedPeer, 1002)).as("held").isFalse();
      assertThat(DomainGtidSet.parse("0-1000-787,1-1001-60").aheadOnlyWithOwnWrites(truncatedPeer, 1001))
          .as("0-1000-787 came from elsewhere").isFalse();
    }

    @Test
    void refusesTextThatIsNotAGtidList() {
      assertThatThrownBy(() -> DomainGtidSet.parse("0-1000")).hasMessageContaining("bad GTID '0-1000'");
    }
  }

  @Test
  void setsOfTheTwoFormatsNeverMeet() {
    assertThatThrownBy(() -> UuidGtidSet.parse(A + ":1").contains(DomainGtidSet.parse("0-1-1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot compare a MySQL GTID set");
    assertThatThrownBy(() -> DomainGtidSet.parse("0-1-1").union(UuidGtidSet.EMPTY))
        .hasMessageContaining("cannot compare a MariaDB GTID list");
  }
}
