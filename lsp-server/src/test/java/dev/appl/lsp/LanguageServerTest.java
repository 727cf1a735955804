package dev.appl.lsp;

import static dev.appl.lsp.Session.at;
import static dev.appl.lsp.Session.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.lsp4j.CompletionParams;
import org.eclipse.lsp4j.DefinitionParams;
import org.eclipse.lsp4j.DocumentSymbolParams;
import org.eclipse.lsp4j.HoverParams;
import org.eclipse.lsp4j.ReferenceContext;
import org.eclipse.lsp4j.ReferenceParams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each feature of the server against a recording client, with the exact results expected. */
class LanguageServerTest {
    static final String GATE = """
            import std.net.ethernet.{Ethernet, EtherType}
            import std.net.ipv4.{Ipv4, IpProto}

            /// A tag for tests.
            header Tag {
                /// Priority.
                prio: u3
                flag: bool
                id: u12
            }

            enum Color { Red, Green, Blue }

            /// Adds one.
            fn inc(x: u16) -> u16 {
                return x + 1
            }

            appliance Gate {
                port outside: packet = "pcap:outside.pcap"
                port inside: packet = "pcap:inside.pcap"
                counter seen

                parser Headers(p: packet) {
                    extract eth: Ethernet
                    select eth.type {
                        EtherType.Ipv4 => ipv4,
                        _ => accept,
                    }
                    state ipv4 {
                        extract ip: Ipv4
                        accept
                    }
                }

                action allow() {
                    seen += 1
                }

                action deny() {}

                table acl(src: ip4) {
                    key {
                        src: lpm
                    }
                    actions { allow, deny }
                    default deny
                    size 16
                }

                on packet p from outside {
                    let h = Headers(p)
                    if not h.ip.valid {
                        drop
                    }
                    let ttl = inc(h.ip.ttl as u16)
                    match acl(h.ip.src) {
                        allow => forward inside,
                        deny => drop,
                    }
                }
            }
            """;

    @TempDir
    Path dir;
    Session session;

    @BeforeEach
    void start() throws Exception {
        session = new Session(dir);
    }

    @AfterEach
    void stop() throws Exception {
        session.close();
    }

    @Test
    void aCleanSpecHasNoDiagnostics() throws Exception {
        String uri = session.open("gate.appl", GATE);
        assertEquals(List.of(), session.client.awaitDiagnostics(uri, 1).getDiagnostics());
    }

    @Test
    void hoverShowsAHeadersWireLayout() throws Exception {
        String uri = session.open("gate.appl", GATE);
        var hover = session.server.getTextDocumentService()
                .hover(new HoverParams(doc(uri), at(GATE, "header Tag", 0, 8))).get(30, TimeUnit.SECONDS);
        assertEquals("""
                ```appl
                header Tag
                ```
                *header in `gate`*

                2 bytes on the wire:

                | field | type | byte | bits |
                | --- | --- | --- | --- |
                | `prio` | `u3` | 0 | 0–2 |
                | `flag` | `bool` | 0 | 3 |
                | `id` | `u12` | 0 | 4–15 |

                A tag for tests.""", hover.getContents().getRight().getValue());
        assertEquals("5:8-5:11", Render.range(hover.getRange()));
    }

    @Test
    void definitionJumpsIntoTheStdlib() throws Exception {
        String uri = session.open("gate.appl", GATE);
        var result = session.server.getTextDocumentService()
                .definition(new DefinitionParams(doc(uri), at(GATE, "Ipv4 => ipv4"))).get(30, TimeUnit.SECONDS);
        assertEquals(List.of("ethernet.appl 10:5-10:9"), result.getLeft().stream().map(Render::location).toList());
    }

    @Test
    void referencesFindEveryUse() throws Exception {
        String uri = session.open("gate.appl", GATE);
        var refs = session.server.getTextDocumentService().references(
                new ReferenceParams(doc(uri), at(GATE, "fn inc", 0, 3), new ReferenceContext(true)))
                .get(30, TimeUnit.SECONDS);
        assertEquals(List.of("gate.appl 15:4-15:7", "gate.appl 56:19-56:22"),
                refs.stream().map(Render::location).toList());
    }

    @Test
    void outline() throws Exception {
        String uri = session.open("gate.appl", GATE);
        var symbols = session.server.getTextDocumentService()
                .documentSymbol(new DocumentSymbolParams(doc(uri))).get(30, TimeUnit.SECONDS);
        assertEquals("""
                Struct Tag 5:8-5:11
                  Field prio 7:5-7:9
                  Field flag 8:5-8:9
                  Field id 9:5-9:7
                Enum Color 12:6-12:11
                  EnumMember Red 12:14-12:17
                  EnumMember Green 12:19-12:24
                  EnumMember Blue 12:26-12:30
                Function inc 15:4-15:7
                Module Gate 19:11-19:15
                  Interface outside 20:10-20:17
                  Interface inside 21:10-21:16
                  Variable seen 22:13-22:17
                  Class Headers 24:12-24:19
                    Method ipv4 30:15-30:19
                  Method allow 36:12-36:17
                  Method deny 40:12-40:16
                  Array acl 42:11-42:14
                  Event on packet from outside 51:8-51:14
                """, Render.outline(symbols.stream().map(e -> e.getRight()).toList(), ""));
    }

    @Test
    void completionAfterADotOffersTheParsedHeaders() throws Exception {
        String uri = session.open("gate.appl", GATE);
        var items = session.server.getTextDocumentService()
                .completion(new CompletionParams(doc(uri), at(GATE, "h.ip.ttl", 0, 2))).get(30, TimeUnit.SECONDS);
        assertEquals(List.of("eth", "ip", "payload"), Render.labels(items.getLeft()));
    }
}
