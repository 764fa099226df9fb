package dev.sluice.geneve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class GeneveFlyweightTest
{
    @Test
    void settersWriteTheRfcLayoutAndZeroReservedBits()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[20]);
        buffer.setMemory(0, 20, (byte)0xFF);
        final GeneveFlyweight geneve = new GeneveFlyweight().wrap(buffer, 4);
        geneve.version(0).optionsLengthBytes(8).oam(true).critical(false).protocolType(0x6558).vni(0xABCDEF);
        // Ver 0, Opt Len 2 | O=1 C=0 rsvd 0 | 0x6558 | VNI | reserved 0
        assertEquals(0x02, buffer.getByte(4) & 0xFF);
        assertEquals(0x80, buffer.getByte(5) & 0xFF);
        assertEquals(0x65, buffer.getByte(6) & 0xFF);
        assertEquals(0x58, buffer.getByte(7) & 0xFF);
        assertEquals(0xAB, buffer.getByte(8) & 0xFF);
        assertEquals(0xEF, buffer.getByte(10) & 0xFF);
        assertEquals(0x00, buffer.getByte(11) & 0xFF);
        assertEquals(0, geneve.version());
        assertEquals(8, geneve.optionsLengthBytes());
        assertEquals(16, geneve.headerLength());
        assertTrue(geneve.oam());
        assertFalse(geneve.critical());
        geneve.critical(true).oam(false);
        assertEquals(0x40, buffer.getByte(5) & 0xFF);
        geneve.version(2);
        assertEquals(2, geneve.version());
        assertEquals(8, geneve.optionsLengthBytes(), "version setter keeps Opt Len");
        assertEquals(0xABCDEF, geneve.vni());
        assertThrows(IllegalArgumentException.class, () -> geneve.optionsLengthBytes(6));
        assertThrows(IllegalArgumentException.class, () -> geneve.optionsLengthBytes(256));
    }

    @Test
    void gettersIgnoreReservedBitsOnReceive()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[]{0x01, 0x3F, 0x65, 0x58, 0, 0, 7, (byte)0xFF});
        final GeneveFlyweight geneve = new GeneveFlyweight().wrap((org.agrona.DirectBuffer)buffer, 0);
        assertFalse(geneve.oam());
        assertFalse(geneve.critical());
        assertEquals(7, geneve.vni());
        assertEquals(4, geneve.optionsLengthBytes());
    }

    @Test
    void optionFlyweightReadsClassTypeCriticalAndLength()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[12]);
        final GeneveOptionFlyweight option = new GeneveOptionFlyweight().wrap(buffer, 0)
            .optionClass(0xFFF0).type(0x81).dataLengthBytes(8);
        assertEquals(0xFFF0, option.optionClass());
        assertEquals(0x81, option.type());
        assertTrue(option.critical());
        assertEquals(8, option.dataLengthBytes());
        assertEquals(12, option.totalLength());
        assertEquals(4, option.dataOffset());
        buffer.putByte(3, (byte)0xE2);
        assertEquals(8, option.dataLengthBytes(), "the 3 reserved bits are ignored");
        assertThrows(IllegalArgumentException.class, () -> option.dataLengthBytes(128));
    }

    @Test
    void iterationStopsAtTheAreaEndAndFlagsAnOverrunningOption()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final GeneveOptionFlyweight writer = new GeneveOptionFlyweight();
        writer.wrap(buffer, 0).optionClass(1).type(1).dataLengthBytes(4);
        writer.wrap(buffer, 8).optionClass(2).type(2).dataLengthBytes(0);
        writer.wrap(buffer, 12).optionClass(3).type(3).dataLengthBytes(8);
        final GeneveOptionIterator iterator = new GeneveOptionIterator();

        iterator.reset(buffer, 0, 24);
        final Set<Integer> classes = new HashSet<>();
        int r;
        while ((r = iterator.next()) == GeneveOptionIterator.OPTION)
        {
            classes.add(iterator.option().optionClass());
        }
        assertEquals(GeneveOptionIterator.END, r);
        assertEquals(Set.of(1, 2, 3), classes);

        // The same bytes with an area that ends inside the third option's data.
        iterator.reset(buffer, 0, 20);
        assertEquals(GeneveOptionIterator.OPTION, iterator.next());
        assertEquals(GeneveOptionIterator.OPTION, iterator.next());
        assertEquals(GeneveOptionIterator.MALFORMED, iterator.next());
        assertEquals(GeneveOptionIterator.MALFORMED, iterator.next(), "stays malformed");

        iterator.reset(buffer, 0, 0);
        assertEquals(GeneveOptionIterator.END, iterator.next());
    }

    @Test
    void outcomeCodesHaveUniqueNamesAndDescriptions()
    {
        final Set<String> names = new HashSet<>();
        for (int code = 0; code < GeneveOutcome.COUNT; code++)
        {
            assertTrue(names.add(GeneveOutcome.name(code)), GeneveOutcome.name(code));
            assertFalse(GeneveOutcome.description(code).isBlank());
        }
        assertEquals("ok", GeneveOutcome.name(GeneveOutcome.OK));
        assertEquals("geneve-oam", GeneveOutcome.name(16));
        assertEquals("unknown-99", GeneveOutcome.name(99));
    }

    @Test
    void podMtuSubtractsTheTunnelOverhead()
    {
        assertEquals(1442, TunnelMtu.podMtu(1500, false, GeneveDescriptor.IDENTITY_OPTION_LENGTH));
        assertEquals(1450, TunnelMtu.podMtu(1500, false, 0));
        assertEquals(1430, TunnelMtu.podMtu(1500, true, 0));
        assertEquals(8943, TunnelMtu.podMtu(9001, false, 8));
        assertEquals(58, TunnelMtu.overhead(TestMesh.templateFromA(TestMesh.table(), TestMesh.B).build()));
        assertEquals(78, TunnelMtu.overhead(TestMesh.templateFromA(TestMesh.table(), TestMesh.C).build()));
        assertEquals(70, TunnelMtu.overhead(
            TestMesh.templateFromA(TestMesh.table(), TestMesh.C).identityOption(false).build()));
        assertThrows(IllegalArgumentException.class, () -> TunnelMtu.podMtu(100, true, 8));
        assertThrows(IllegalArgumentException.class, () -> TunnelMtu.overhead(false, 6));
    }

    @Test
    void encapRefusesWithoutHeadroomAndLeavesTheBufferUntouched()
    {
        final OuterHeaderTemplate template = TestMesh.templateFromA(TestMesh.table(), TestMesh.B).build();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[200]);
        buffer.setMemory(0, 200, (byte)0x11);
        final GeneveEncap encap = new GeneveEncap();
        assertEquals(GeneveOutcome.ENCAP_NO_HEADROOM, encap.encap(buffer, 57, 100, 57, template, 1, 2));
        for (int i = 0; i < 200; i++)
        {
            assertEquals(0x11, buffer.getByte(i));
        }
        assertEquals(GeneveOutcome.ENCAP_TOO_LONG, encap.encap(buffer, 58, 65535 - 43, 58, template, 1, 2));
        assertEquals(GeneveOutcome.OK, encap.encap(buffer, 58, 100, 58, template, 1, 2));
        assertEquals(0, encap.frameOffset());
        assertEquals(158, encap.frameLength());
    }

    @Test
    void templateBuilderRejectsIncompleteOrOutOfRangeConfiguration()
    {
        final TunnelPeerTable table = TestMesh.table();
        assertThrows(IllegalArgumentException.class, () -> new OuterHeaderTemplate.Builder().peer(table, 1).build());
        assertThrows(IllegalArgumentException.class, () -> new OuterHeaderTemplate.Builder()
            .localMac(1).localIpv4(1).peer(table, TestMesh.C).build());
        assertThrows(IllegalArgumentException.class, () -> TestMesh.templateFromA(table, 1).vni(1 << 24).build());
        assertThrows(IllegalArgumentException.class,
            () -> TestMesh.templateFromA(table, 1).sourcePortRange(60000, 50000).build());
    }
}
