package dev.appl.compiler.image;

import dev.appl.compiler.interp.LoadedRules;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.language.ast.Expr.AddressKind;
import dev.appl.language.types.ConstEval;
import dev.appl.language.types.Semantics;
import dev.appl.language.types.Type;
import dev.appl.runtime.launch.Descriptor;
import dev.appl.runtime.launch.ParamType;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Describes a lowered appliance for its image: the {@link Descriptor} that the runtime's launcher reads. */
public final class ImageDescriptor {
    private ImageDescriptor() {}

    /**
     * @param ir          the appliance, with the values of its build params set
     * @param kernelClass the binary name of its generated class
     * @param tables      its tables with {@code load}, with their schemas (made before the passes)
     * @param semantics   the checked program, for the values of enum cases
     * @param specFile    the spec's file name, as it will be stored in the image
     * @param spec        the spec's bytes
     * @param version     the compiler's version
     */
    public static Descriptor of(IrAppliance ir, String kernelClass, List<Descriptor.LoadedTable> tables,
            Semantics semantics, String specFile, byte[] spec, String version) {
        ConstEval consts = new ConstEval(semantics);
        List<Descriptor.Port> ports = new ArrayList<>();
        for (IrAppliance.Port p : ir.ports) {
            ports.add(new Descriptor.Port(p.name(), p.kind(), p.binding()));
        }
        List<Descriptor.Param> params = new ArrayList<>();
        for (IrAppliance.Param p : ir.params) {
            params.add(new Descriptor.Param(p.name(), paramType(p.type(), consts), p.value(), p.buildTime()));
        }
        List<String> maps = new ArrayList<>();
        for (IrAppliance.MapState m : ir.maps) {
            maps.add(m.name());
        }
        List<Descriptor.Timer> timers = new ArrayList<>();
        for (IrAppliance.Timer t : ir.timers) {
            timers.add(new Descriptor.Timer(t.name(), t.periodNanos()));
        }
        return new Descriptor(ir.name(), kernelClass, version, specFile, Descriptor.SPEC_FOLDER + specFile,
                sha256(spec), ports, params, ir.counters, maps, timers, tables);
    }

    /** The type of a param, as the launcher reads its values. */
    static ParamType paramType(Type t, ConstEval consts) {
        return switch (t) {
            case Type.Int(int width, boolean signed) when width >= 1 && width <= 64 ->
                    signed ? ParamType.signed(width) : ParamType.unsigned(width);
            case Type.Bool b -> ParamType.of(ParamType.Kind.BOOL);
            case Type.Address(AddressKind kind) -> ParamType.of(switch (kind) {
                case IP4 -> ParamType.Kind.IP4;
                case IP6 -> ParamType.Kind.IP6;
                case MAC -> ParamType.Kind.MAC;
            });
            case Type.Prefix(AddressKind kind) -> ParamType.of(kind == AddressKind.IP4 ? ParamType.Kind.PREFIX4
                    : ParamType.Kind.PREFIX6);
            case Type.Size s -> ParamType.of(ParamType.Kind.SIZE);
            case Type.Duration d -> ParamType.of(ParamType.Kind.DURATION);
            case Type.Text(String name) -> ParamType.of(name.equals("path") ? ParamType.Kind.PATH : ParamType.Kind.STRING);
            case Type.Enum e -> ParamType.of(LoadedRules.valueType(e, consts));
            default -> ParamType.other(t.display());
        };
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
