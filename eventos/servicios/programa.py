"""Programa completo de un evento como datos (YAML/JSON): validar, importar, exportar y duplicar.

Es el formato de `docs/formato-programa.md`: el de los eventos de demostración y el de importación
y exportación para organizadores. La validación recorre el archivo entero y junta todos los
problemas con su ubicación antes de tocar la base de datos: un archivo con errores no cambia nada.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from .. import entrada, zonas
from ..extensiones import MAXIMO_ENTERO_BD, db
from ..modelos import (ESTADOS, MAXIMO_DIAS_ANTES, MAXIMO_MINUTOS_ANTES, MINUTOS_ANTES_POR_OMISION, MODALIDADES,
                       ROLES, TIPOS_MATERIAL, TIPOS_SESION, Bloque, Evento, Guia, Material, Mesa, Participacion,
                       Persona, Pregunta, Sesion)
from . import materiales as almacen

FORMATO = "programa-eventos/1"
PATRON_CLAVE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LARGOS = {"slug": 120, "titulo": 300, "lema": 500, "sede": 500, "enlace": 1000, "grabacion": 1000, "sala": 200,
          "nombre": 200, "tratamiento": 40, "cargo": 300, "institucion": 300, "ciudad": 120,
          "pais": 120, "clave": 80, "url": 1000}
# Los únicos textos del programa que admiten saltos de línea (los demás son de una línea, como en la oficina).
VARIAS_LINEAS = {"resumen", "nota_conceptual", "objetivos", "resultados_esperados", "formato_y_metodologia",
                 "nota_fechas", "objetivo", "descripcion", "pregunta_rectora", "texto"}


@dataclass(frozen=True)
class Problema:
    ubicacion: str
    mensaje: str

    def __str__(self):
        return f"{self.ubicacion}: {self.mensaje}"


@dataclass(frozen=True)
class NodoSesion:
    """Lo que las reglas entre sesiones miran de cada una. `ref` la identifica (el id guardado, o su
    ubicación en el archivo) y `padre` es la `ref` de la sesión que la contiene."""
    ref: object
    clave: str
    titulo: str
    inicio: datetime | None
    fin: datetime | None
    padre: object = None
    ubicacion: str = ""

    @classmethod
    def de(cls, sesion: Sesion, ubicacion: str | None = None) -> "NodoSesion":
        return cls(sesion.id, sesion.clave, sesion.titulo, sesion.inicio, sesion.fin, sesion.padre_id,
                   ubicacion or sesion.clave)


class ProgramaInvalido(ValueError):
    def __init__(self, problemas: list[Problema]):
        super().__init__("\n".join(str(p) for p in problemas))
        self.problemas = problemas


class _Lector:
    """Lee y comprueba campos, anotando cada problema con su ubicación en el archivo."""

    def __init__(self):
        self.problemas: list[Problema] = []

    def problema(self, ubicacion: str, mensaje: str):
        self.problemas.append(Problema(ubicacion, mensaje))

    def dic(self, valor, ubicacion) -> dict:
        if valor is None:
            return {}
        if not isinstance(valor, dict):
            self.problema(ubicacion, _("se esperaba un objeto con campos"))
            return {}
        return valor

    def lista(self, valor, ubicacion) -> list:
        if valor is None:
            return []
        if not isinstance(valor, list):
            self.problema(ubicacion, _("se esperaba una lista"))
            return []
        return valor

    def texto(self, datos, campo, ubicacion, obligatorio=False, largo=None) -> str:
        valor = datos.get(campo)
        if valor is None or valor == "":
            if obligatorio:
                self.problema(f"{ubicacion}.{campo}", _("es obligatorio"))
            return ""
        if not isinstance(valor, (str, int, float)) or isinstance(valor, bool):
            self.problema(f"{ubicacion}.{campo}", _("se esperaba un texto"))
            return ""
        valor = str(valor).strip()
        if entrada.tiene_prohibidos(valor):
            self.problema(f"{ubicacion}.{campo}", _("contiene caracteres no admitidos (de control o de dirección del texto)"))
            return ""
        if campo not in VARIAS_LINEAS and not entrada.es_de_una_linea(valor):
            self.problema(f"{ubicacion}.{campo}", _("es de una sola línea: quite los saltos de línea y los tabuladores"))
            return ""
        largo = largo or LARGOS.get(campo)
        if largo and len(valor) > largo:
            self.problema(f"{ubicacion}.{campo}", ngettext("tiene %(num)d carácter; el máximo es %(max)d", "tiene %(num)d caracteres; el máximo es %(max)d",
                                                                 len(valor), max=largo))
        return valor

    def opcion(self, datos, campo, ubicacion, opciones, por_omision) -> str:
        valor = datos.get(campo, por_omision)
        if not isinstance(valor, str) or valor not in opciones:
            self.problema(f"{ubicacion}.{campo}", _("«%(valor)s» no es válido; opciones: %(opciones)s",
                                                   valor=valor, opciones=", ".join(opciones)))
            return por_omision
        return valor

    def booleano(self, datos, campo, ubicacion) -> bool:
        valor = datos.get(campo, False)
        if not isinstance(valor, bool):
            self.problema(f"{ubicacion}.{campo}", _("se esperaba true o false"))
            return False
        return valor

    def entero(self, datos, campo, ubicacion, minimo=0, maximo=MAXIMO_ENTERO_BD):
        valor = datos.get(campo)
        if valor is None:
            return None
        if not isinstance(valor, int) or isinstance(valor, bool) or valor < minimo:
            self.problema(f"{ubicacion}.{campo}", _("se esperaba un número entero mayor o igual que %(m)d", m=minimo))
            return None
        if maximo is not None and valor > maximo:
            self.problema(f"{ubicacion}.{campo}", _("el máximo es %(max)d", max=maximo))
            return None
        return valor

    def fecha(self, datos, campo, ubicacion, obligatorio=True):
        valor = datos.get(campo)
        if valor is None and not obligatorio:
            return None
        try:
            fecha = valor if isinstance(valor, date) and not isinstance(valor, datetime) else date.fromisoformat(str(valor))
        except ValueError:
            self.problema(f"{ubicacion}.{campo}", _("«%(valor)s» no es una fecha válida (AAAA-MM-DD)", valor=valor))
            return None
        if not entrada.fecha_admisible(fecha):
            self.problema(f"{ubicacion}.{campo}", str(entrada.FECHA_FUERA))
            return None
        return fecha

    def hora_local(self, datos, campo, ubicacion, zona, obligatorio=True):
        """Hora de reloj en la zona del evento → instante UTC (o None con el problema anotado)."""
        valor = datos.get(campo)
        if valor is None:
            if obligatorio:
                self.problema(f"{ubicacion}.{campo}", _("es obligatorio"))
            return None
        if zona is None:
            return None
        try:
            hora = valor.replace(tzinfo=None) if isinstance(valor, datetime) else zonas.leer_reloj(valor)
            if not entrada.fecha_admisible(hora):
                self.problema(f"{ubicacion}.{campo}", str(entrada.FECHA_FUERA))
                return None
            return zonas.a_utc(hora, zona)
        except zonas.ErrorDeZona as error:
            self.problema(f"{ubicacion}.{campo}", str(error.mensaje))
            return None

    def url(self, datos, campo, ubicacion) -> str:
        valor = self.texto(datos, campo, ubicacion)
        if valor and not re.match(r"^https?://[^\s]+$", valor, re.IGNORECASE):
            self.problema(f"{ubicacion}.{campo}", _("debe ser una dirección http:// o https://"))
            return ""
        return valor


def validar(datos, base: Path | None = None, slug: str | None = None) -> dict:
    """Valida un programa completo y devuelve un plan normalizado (instantes en UTC).

    `base` es la carpeta desde la que se leen los archivos de materiales; sin ella (importación desde
    la web), los materiales solo pueden ser enlaces. Lanza ProgramaInvalido con todos los problemas.
    """
    lector = _Lector()
    datos = lector.dic(datos, "(archivo)")
    if datos.get("formato") != FORMATO:
        lector.problema("formato", _("debe ser «%(formato)s»", formato=FORMATO))
    plan = {"evento": _leer_evento(lector, lector.dic(datos.get("evento"), "evento"), base, slug)}
    zona = plan["evento"]["zona_horaria"]
    claves: dict[str, dict] = {}
    nodos: list[NodoSesion] = []
    plan["sesiones"] = [_leer_sesion(lector, s, f"sesiones[{i}]", zona, plan["evento"], base, claves, nodos)
                        for i, s in enumerate(lector.lista(datos.get("sesiones"), "sesiones"))]
    lector.problemas.extend(validar_arbol(nodos))
    plan["mesas"] = _leer_mesas(lector, lector.lista(datos.get("mesas"), "mesas"), claves)
    plan["guias"] = _leer_guias(lector, lector.lista(datos.get("guias"), "guias"), claves)
    if lector.problemas:
        raise ProgramaInvalido(lector.problemas)
    return plan


def leer_evento(datos: dict, slug: str | None = None) -> tuple[dict, list[Problema]]:
    """Valida solo los datos generales de un evento (formularios de la oficina)."""
    lector = _Lector()
    plan = _leer_evento(lector, datos, None, slug)
    return plan, lector.problemas


def leer_sesion(datos: dict, evento: Evento) -> tuple[dict, list[Problema]]:
    """Valida los campos de una sesión con las mismas reglas que la importación (formularios de la oficina).

    Las reglas entre sesiones (claves, anidamiento) son de `validar_arbol`, sobre el árbol resultante."""
    lector = _Lector()
    contexto = {"fecha_inicio": evento.fecha_inicio, "fecha_fin": evento.fecha_fin}
    plan = _leer_sesion(lector, {**datos, "participantes": [], "materiales": [], "sesiones": []}, "sesion",
                        evento.zona_horaria, contexto, None, {}, [])
    return plan, lector.problemas


def validar_arbol(nodos: list[NodoSesion], antes: list[NodoSesion] | None = None) -> list[Problema]:
    """Las reglas entre las sesiones de un evento, sobre su árbol completo; la importación y cada
    formulario que cambia sesiones pasan por aquí antes de guardar.

    Claves únicas; dos niveles como mucho (una sesión anidada no contiene otras, y ninguna está dentro
    de sí misma); cada sesión anidada cabe en el horario de la que la contiene. Con `antes` (el árbol
    guardado) solo cuentan los problemas que el cambio añade, para poder corregir uno a uno los de un
    programa que ya los tenía."""
    por_ref = {n.ref: n for n in nodos}
    hijas: dict[object, list[NodoSesion]] = {}
    for nodo in nodos:
        if nodo.padre is not None:
            hijas.setdefault(nodo.padre, []).append(nodo)
    problemas, vistas = [], set()
    for nodo in nodos:
        if nodo.clave and nodo.clave in vistas:
            problemas.append(Problema(f"{nodo.ubicacion}.clave", _("la clave «%(clave)s» está repetida", clave=nodo.clave)))
        vistas.add(nodo.clave)
        padre = por_ref.get(nodo.padre) if nodo.padre is not None else None
        if padre is not None:
            problemas.extend(_problemas_de_anidada(nodo, padre, hijas.get(nodo.ref, [])))
    if antes is not None:
        previos = set(validar_arbol(antes))
        problemas = [p for p in problemas if p not in previos]
    return problemas


def _problemas_de_anidada(nodo: NodoSesion, padre: NodoSesion, hijas: list[NodoSesion]) -> list[Problema]:
    if padre is nodo:
        return [Problema(f"{nodo.ubicacion}.padre", _("«%(sesion)s» no puede estar dentro de sí misma", sesion=nodo.titulo))]
    problemas = []
    if hijas:
        problemas.append(Problema(f"{nodo.ubicacion}.sesiones", _(
            "«%(sesion)s» está dentro de «%(padre)s» y a la vez contiene %(hijas)s: el programa admite solo dos "
            "niveles (sesiones principales y las que van dentro de ellas)",
            sesion=nodo.titulo, padre=padre.titulo, hijas=", ".join(f"«{h.titulo}»" for h in hijas))))
    if None not in (nodo.inicio, nodo.fin, padre.inicio, padre.fin) and \
            (nodo.inicio < padre.inicio or nodo.fin > padre.fin):
        problemas.append(Problema(f"{nodo.ubicacion}.inicio", _(
            "«%(sesion)s» debe caber en el horario de «%(padre)s», la sesión que la contiene",
            sesion=nodo.titulo, padre=padre.titulo)))
    return problemas


def _leer_evento(lector: _Lector, datos: dict, base, slug) -> dict:
    u = "evento"
    evento = {campo: lector.texto(datos, campo, u) for campo in
              ("lema", "resumen", "nota_conceptual", "objetivos", "resultados_esperados",
               "formato_y_metodologia", "sede", "nota_fechas")}
    evento["titulo"] = lector.texto(datos, "titulo", u, obligatorio=True)
    evento["slug"] = slug or lector.texto(datos, "slug", u, obligatorio=True)
    if evento["slug"] and not PATRON_CLAVE.match(evento["slug"]):
        lector.problema(f"{u}.slug", _("solo minúsculas sin acentos, números y guiones (p. ej. foro-2027)"))
    evento["enlace_virtual"] = lector.url(datos, "enlace_virtual", u)
    evento["modalidad"] = lector.opcion(datos, "modalidad", u, MODALIDADES, "presencial")
    evento["estado"] = lector.opcion(datos, "estado", u, ESTADOS, "borrador")
    evento["fechas_ilustrativas"] = lector.booleano(datos, "fechas_ilustrativas", u)
    organizadores = lector.lista(datos.get("organizadores"), f"{u}.organizadores")
    evento["organizadores"] = [nombre for i, o in enumerate(organizadores)
                               if (nombre := lector.texto({"organizador": o}, "organizador", f"{u}.organizadores[{i}]",
                                                          largo=300))]
    zona = datos.get("zona_horaria")
    if not zonas.es_zona_valida(zona):
        lector.problema(f"{u}.zona_horaria", _("«%(zona)s» no es una zona horaria IANA (p. ej. America/Mexico_City)", zona=zona))
        zona = None
    evento["zona_horaria"] = zona
    adicionales = lector.lista(datos.get("zonas_adicionales"), f"{u}.zonas_adicionales")
    for i, z in enumerate(adicionales):
        if not zonas.es_zona_valida(z):
            lector.problema(f"{u}.zonas_adicionales[{i}]", _("«%(zona)s» no es una zona horaria IANA", zona=z))
    evento["zonas_adicionales"] = [z for z in adicionales if zonas.es_zona_valida(z) and z != zona]
    evento["fecha_inicio"] = lector.fecha(datos, "fecha_inicio", u)
    evento["fecha_fin"] = lector.fecha(datos, "fecha_fin", u)
    if evento["fecha_inicio"] and evento["fecha_fin"] and evento["fecha_fin"] < evento["fecha_inicio"]:
        lector.problema(f"{u}.fecha_fin", _("termina antes de empezar"))
    inscripcion = lector.dic(datos.get("inscripcion"), f"{u}.inscripcion")
    ui = f"{u}.inscripcion"
    evento["inscripcion_apertura"] = lector.hora_local(inscripcion, "apertura", ui, zona, obligatorio=False)
    evento["inscripcion_cierre"] = lector.hora_local(inscripcion, "cierre", ui, zona, obligatorio=False)
    if evento["inscripcion_apertura"] and evento["inscripcion_cierre"] and \
            evento["inscripcion_cierre"] <= evento["inscripcion_apertura"]:
        lector.problema(f"{ui}.cierre", _("el cierre debe ser posterior a la apertura"))
    evento["cupo"] = lector.entero(inscripcion, "cupo", ui, minimo=1)
    asistencia = lector.dic(datos.get("asistencia"), f"{u}.asistencia")
    ua = f"{u}.asistencia"
    evento["acreditacion_dias_antes"] = lector.entero(asistencia, "acreditacion_dias_antes", ua,
                                                      maximo=MAXIMO_DIAS_ANTES) or 0
    minutos = lector.entero(asistencia, "conexion_minutos_antes", ua, maximo=MAXIMO_MINUTOS_ANTES)
    evento["conexion_minutos_antes"] = MINUTOS_ANTES_POR_OMISION if minutos is None else minutos
    evento["materiales"] = _leer_materiales(lector, datos.get("materiales"), f"{u}.materiales", base)
    return evento


def _leer_sesion(lector, datos, u, zona, evento, base, claves, nodos, padre=None) -> dict:
    datos = lector.dic(datos, u)
    sesion = {campo: lector.texto(datos, campo, u) for campo in ("sala", "objetivo", "descripcion")}
    sesion["clave"] = clave = lector.texto(datos, "clave", u, obligatorio=True)
    if clave:
        u = f"{u} ({clave})"
        if not PATRON_CLAVE.match(clave):
            lector.problema(f"{u}.clave", _("solo minúsculas sin acentos, números y guiones"))
        claves[clave] = sesion
    sesion["titulo"] = lector.texto(datos, "titulo", u, obligatorio=True)
    sesion["tipo"] = lector.opcion(datos, "tipo", u, TIPOS_SESION, "otra")
    sesion["enlace"] = lector.url(datos, "enlace", u)
    sesion["grabacion"] = lector.url(datos, "grabacion", u)
    sesion["horario_ilustrativo"] = lector.booleano(datos, "horario_ilustrativo", u)
    sesion["inicio"] = lector.hora_local(datos, "inicio", u, zona)
    sesion["fin"] = lector.hora_local(datos, "fin", u, zona)
    _comprobar_horario(lector, sesion, u, zona, evento)
    nodos.append(NodoSesion(u, clave, sesion["titulo"], sesion["inicio"], sesion["fin"], padre, u))
    sesion["participantes"] = [_leer_participante(lector, p, f"{u}.participantes[{i}]")
                               for i, p in enumerate(lector.lista(datos.get("participantes"), f"{u}.participantes"))]
    sesion["materiales"] = _leer_materiales(lector, datos.get("materiales"), f"{u}.materiales", base)
    sesion["sesiones"] = [_leer_sesion(lector, s, f"{u}.sesiones[{i}]", zona, evento, base, claves, nodos, u)
                          for i, s in enumerate(lector.lista(datos.get("sesiones"), f"{u}.sesiones"))]
    return sesion


def _comprobar_horario(lector, sesion, u, zona, evento):
    inicio, fin = sesion["inicio"], sesion["fin"]
    if not (inicio and fin):
        return
    if fin <= inicio:
        lector.problema(f"{u}.fin", _("la sesión debe terminar después de empezar"))
    if evento["fecha_inicio"] and evento["fecha_fin"]:
        dia = zonas.a_local(inicio, zona).date()
        if not evento["fecha_inicio"] <= dia <= evento["fecha_fin"]:
            lector.problema(f"{u}.inicio", _("el %(dia)s está fuera de las fechas del evento", dia=dia.isoformat()))


def _leer_participante(lector, datos, u) -> dict:
    datos = lector.dic(datos, u)
    participante = {campo: lector.texto(datos, campo, u) for campo in
                    ("tratamiento", "cargo", "institucion", "ciudad", "pais")}
    participante["nombre"] = lector.texto(datos, "nombre", u, obligatorio=True)
    participante["rol"] = lector.opcion(datos, "rol", u, ROLES, "ponente")
    return participante


def _leer_materiales(lector, lista, u, base) -> list[dict]:
    resultado = []
    for i, datos in enumerate(lector.lista(lista, u)):
        ui = f"{u}[{i}]"
        datos = lector.dic(datos, ui)
        material = {"titulo": lector.texto(datos, "titulo", ui, obligatorio=True),
                    "tipo": lector.opcion(datos, "tipo", ui, TIPOS_MATERIAL, "documento"),
                    "descripcion": lector.texto(datos, "descripcion", ui),
                    "url": lector.url(datos, "url", ui), "contenido": None, "nombre_archivo": ""}
        archivo = lector.texto(datos, "archivo", ui)
        if bool(archivo) == bool(material["url"]):
            lector.problema(ui, _("cada material necesita «archivo» o «url» (uno de los dos)"))
        elif archivo and almacen.es_nombre_interno(archivo):
            # Exportado de esta misma instalación: el archivo ya está en el almacén.
            if not almacen.existe(archivo):
                lector.problema(f"{ui}.archivo", _("no se encuentra el archivo «%(archivo)s»", archivo=archivo))
            else:
                material["contenido"] = almacen.leer(archivo)
                material["nombre_archivo"] = lector.texto(datos, "nombre_archivo", ui, largo=255) or archivo
        elif archivo:
            if base is None:
                lector.problema(f"{ui}.archivo", _("en esta importación los materiales solo pueden ser enlaces (url)"))
            elif not (Path(base) / archivo).is_file():
                lector.problema(f"{ui}.archivo", _("no se encuentra el archivo «%(archivo)s»", archivo=archivo))
            else:
                material["contenido"] = (Path(base) / archivo).read_bytes()
                material["nombre_archivo"] = lector.texto(datos, "nombre_archivo", ui, largo=255) or Path(archivo).name
        resultado.append(material)
    return resultado


def _leer_mesas(lector, lista, claves) -> list[dict]:
    mesas, vistas = [], set()
    for i, datos in enumerate(lista):
        u = f"mesas[{i}]"
        datos = lector.dic(datos, u)
        mesa = {campo: lector.texto(datos, campo, u) for campo in ("descripcion", "sala")}
        mesa["clave"] = lector.texto(datos, "clave", u, obligatorio=True)
        if mesa["clave"] in vistas:
            lector.problema(f"{u}.clave", _("la clave «%(clave)s» está repetida", clave=mesa["clave"]))
        elif mesa["clave"] and not PATRON_CLAVE.match(mesa["clave"]):
            lector.problema(f"{u}.clave", _("solo minúsculas sin acentos, números y guiones"))
        vistas.add(mesa["clave"])
        mesa["nombre"] = lector.texto(datos, "nombre", u, obligatorio=True, largo=300)
        mesa["enlace"] = lector.url(datos, "enlace", u)
        mesa["cupo"] = lector.entero(datos, "cupo", u, minimo=1)
        mesa["sesiones"] = []
        for j, clave in enumerate(lector.lista(datos.get("sesiones"), f"{u}.sesiones")):
            if clave not in claves:
                lector.problema(f"{u}.sesiones[{j}]", _("no hay ninguna sesión con clave «%(clave)s»", clave=clave))
            else:
                mesa["sesiones"].append(clave)
        mesas.append(mesa)
    return mesas


def _leer_guias(lector, lista, claves) -> list[dict]:
    guias = []
    for i, datos in enumerate(lista):
        u = f"guias[{i}]"
        datos = lector.dic(datos, u)
        guia = {"titulo": lector.texto(datos, "titulo", u),
                "pregunta_rectora": lector.texto(datos, "pregunta_rectora", u),
                "sesion": datos.get("sesion")}
        if guia["sesion"] is not None and guia["sesion"] not in claves:
            lector.problema(f"{u}.sesion", _("no hay ninguna sesión con clave «%(clave)s»", clave=guia["sesion"]))
        guia["bloques"] = []
        numeros = set()
        for j, bloque in enumerate(lector.lista(datos.get("bloques"), f"{u}.bloques")):
            ub = f"{u}.bloques[{j}]"
            bloque = lector.dic(bloque, ub)
            preguntas = []
            for k, pregunta in enumerate(lector.lista(bloque.get("preguntas"), f"{ub}.preguntas")):
                up = f"{ub}.preguntas[{k}]"
                pregunta = lector.dic(pregunta, up)
                numero = lector.entero(pregunta, "numero", up, minimo=1)
                if numero is None and "numero" not in pregunta:
                    lector.problema(f"{up}.numero", _("es obligatorio"))
                if numero in numeros:
                    lector.problema(f"{up}.numero", _("el número %(n)d está repetido en la guía", n=numero))
                numeros.add(numero)
                preguntas.append({"numero": numero, "texto": lector.texto(pregunta, "texto", up, obligatorio=True, largo=5000)})
            guia["bloques"].append({"titulo": lector.texto(bloque, "titulo", ub, obligatorio=True), "preguntas": preguntas})
        guias.append(guia)
    return guias


def importar(datos, base: Path | None = None, slug: str | None = None) -> Evento:
    """Valida todo y crea el evento con su programa en la sesión de base de datos (sin confirmar)."""
    plan = validar(datos, base, slug)
    e = plan["evento"]
    if db.session.execute(select(Evento.id).where(Evento.slug == e["slug"])).first():
        raise ProgramaInvalido([Problema("evento.slug", _("ya existe un evento con el slug «%(slug)s»", slug=e["slug"]))])
    evento = Evento(**{k: v for k, v in e.items() if k != "materiales"})
    db.session.add(evento)
    _crear_materiales(evento, None, e["materiales"])
    personas: dict[str, Persona] = {}
    sesiones: dict[str, Sesion] = {}
    for orden, datos_sesion in enumerate(plan["sesiones"]):
        _crear_sesion(evento, None, datos_sesion, orden, personas, sesiones)
    for orden, m in enumerate(plan["mesas"]):
        mesa = _nuevo(Mesa, evento=evento, orden=orden, **{k: v for k, v in m.items() if k != "sesiones"})
        mesa.sesiones = [sesiones[c] for c in m["sesiones"]]
    for orden, g in enumerate(plan["guias"]):
        guia = _nuevo(Guia, evento=evento, sesion=sesiones.get(g["sesion"]), titulo=g["titulo"],
                    pregunta_rectora=g["pregunta_rectora"], orden=orden)
        for orden_b, b in enumerate(g["bloques"]):
            bloque = _nuevo(Bloque, guia=guia, titulo=b["titulo"], orden=orden_b)
            for orden_p, p in enumerate(b["preguntas"]):
                _nuevo(Pregunta, bloque=bloque, numero=p["numero"], texto=p["texto"], orden=orden_p)
    return evento


def _nuevo(clase, **campos):
    """Crea y añade a la sesión de BD (SQLAlchemy 2 no añade en cascada por las relaciones inversas)."""
    objeto = clase(**campos)
    db.session.add(objeto)
    return objeto


def _crear_sesion(evento, padre, datos, orden, personas, sesiones) -> Sesion:
    campos = {k: v for k, v in datos.items() if k not in ("participantes", "materiales", "sesiones")}
    sesion = _nuevo(Sesion, evento=evento, padre=padre, orden=orden, **campos)
    sesiones[sesion.clave] = sesion
    for orden_p, p in enumerate(datos["participantes"]):
        persona = personas.get(p["nombre"])
        if persona is None:
            persona = personas[p["nombre"]] = _nuevo(Persona, evento=evento, nombre=p["nombre"], tratamiento=p["tratamiento"])
        _nuevo(Participacion, sesion=sesion, persona=persona, orden=orden_p,
                      **{k: p[k] for k in ("rol", "cargo", "institucion", "ciudad", "pais")})
    _crear_materiales(evento, sesion, datos["materiales"])
    for orden_h, hija in enumerate(datos["sesiones"]):
        _crear_sesion(evento, sesion, hija, orden_h, personas, sesiones)
    return sesion


def _crear_materiales(evento, sesion, lista):
    for orden, m in enumerate(lista):
        campos = {"titulo": m["titulo"], "tipo": m["tipo"], "descripcion": m["descripcion"], "url": m["url"]}
        if m["contenido"] is not None:
            campos.update(almacen.guardar(m["contenido"], m["nombre_archivo"]))
        _nuevo(Material, evento=evento, sesion=sesion, orden=orden, **campos)


def duplicar(original: Evento, slug: str, nueva_fecha_inicio: date, estado: str = "borrador") -> Evento:
    """Copia el evento a otras fechas conservando las horas locales de cada sesión.

    Las horas se trasladan como horas de reloj en la zona del evento (no como instantes): una sesión
    a las 11:00 de Ciudad de México sigue a las 11:00 aunque las reglas de horario hayan cambiado.
    """
    dias = (nueva_fecha_inicio - original.fecha_inicio).days
    datos = exportar(original)
    for sesion in _recorrer(datos["sesiones"]):
        for campo in ("inicio", "fin"):
            sesion[campo] = _trasladar(sesion[campo], dias)
        sesion.pop("grabacion", None)  # la grabación es de esta edición, no de la copia
    e = datos["evento"]
    e["fecha_inicio"] = nueva_fecha_inicio
    e["fecha_fin"] = original.fecha_fin + timedelta(days=dias)
    e["estado"] = estado
    e.pop("inscripcion", None)
    evento = importar(datos, slug=slug)
    evento.edicion_anterior = original
    return evento


def _trasladar(texto: str, dias: int) -> str:
    local = datetime.strptime(texto, zonas.FORMATO_HORA_LOCAL) + timedelta(days=dias)
    return local.strftime(zonas.FORMATO_HORA_LOCAL)


def _recorrer(sesiones):
    for sesion in sesiones:
        yield sesion
        yield from _recorrer(sesion.get("sesiones", []))


def exportar(evento: Evento) -> dict:
    """El programa en el formato de importación, con horas locales de la zona del evento."""
    zona = evento.zona_horaria
    e = {
        "slug": evento.slug, "titulo": evento.titulo, "lema": evento.lema, "resumen": evento.resumen,
        "nota_conceptual": evento.nota_conceptual, "objetivos": evento.objetivos,
        "resultados_esperados": evento.resultados_esperados,
        "formato_y_metodologia": evento.formato_y_metodologia,
        "organizadores": list(evento.organizadores or []), "modalidad": evento.modalidad,
        "sede": evento.sede, "enlace_virtual": evento.enlace_virtual, "zona_horaria": zona,
        "zonas_adicionales": list(evento.zonas_adicionales or []),
        "fecha_inicio": evento.fecha_inicio, "fecha_fin": evento.fecha_fin,
        "fechas_ilustrativas": evento.fechas_ilustrativas, "nota_fechas": evento.nota_fechas,
        "estado": evento.estado,
    }
    inscripcion = {}
    if evento.inscripcion_apertura:
        inscripcion["apertura"] = zonas.hora_local_texto(evento.inscripcion_apertura, zona)
    if evento.inscripcion_cierre:
        inscripcion["cierre"] = zonas.hora_local_texto(evento.inscripcion_cierre, zona)
    if evento.cupo:
        inscripcion["cupo"] = evento.cupo
    if inscripcion:
        e["inscripcion"] = inscripcion
    e["asistencia"] = {"acreditacion_dias_antes": evento.acreditacion_dias_antes,
                       "conexion_minutos_antes": evento.conexion_minutos_antes}
    e["materiales"] = [_exportar_material(m) for m in evento.materiales]
    claves = {s.id: s.clave for s in evento.sesiones}
    return {
        "formato": FORMATO,
        "evento": _sin_vacios(e),
        "sesiones": [_exportar_sesion(s, zona) for s in evento.sesiones_raiz],
        "mesas": [_sin_vacios({"clave": m.clave, "nombre": m.nombre, "descripcion": m.descripcion,
                               "cupo": m.cupo, "sala": m.sala, "enlace": m.enlace,
                               "sesiones": [claves[s.id] for s in m.sesiones]}) for m in evento.mesas],
        "guias": [_sin_vacios({"sesion": claves.get(g.sesion_id), "titulo": g.titulo,
                               "pregunta_rectora": g.pregunta_rectora,
                               "bloques": [{"titulo": b.titulo,
                                            "preguntas": [{"numero": p.numero, "texto": p.texto} for p in b.preguntas]}
                                           for b in g.bloques]}) for g in evento.guias],
    }


def _exportar_sesion(sesion: Sesion, zona: str) -> dict:
    return _sin_vacios({
        "clave": sesion.clave, "titulo": sesion.titulo, "tipo": sesion.tipo,
        "inicio": zonas.hora_local_texto(sesion.inicio, zona), "fin": zonas.hora_local_texto(sesion.fin, zona),
        "horario_ilustrativo": sesion.horario_ilustrativo, "sala": sesion.sala, "enlace": sesion.enlace,
        "grabacion": sesion.grabacion, "objetivo": sesion.objetivo, "descripcion": sesion.descripcion,
        "participantes": [_sin_vacios({"nombre": p.nombre, "tratamiento": p.tratamiento,
                                       "rol": p.rol, "cargo": p.cargo, "institucion": p.institucion,
                                       "ciudad": p.ciudad, "pais": p.pais}) for p in sesion.participantes],
        "materiales": [_exportar_material(m) for m in sesion.materiales],
        "sesiones": [_exportar_sesion(h, zona) for h in sesion.hijas],
    })


def _exportar_material(material: Material) -> dict:
    datos = {"titulo": material.titulo, "tipo": material.tipo, "descripcion": material.descripcion}
    if material.archivo:
        datos["archivo"] = material.archivo
        datos["nombre_archivo"] = material.nombre_archivo
    else:
        datos["url"] = material.url
    return _sin_vacios(datos)


def _sin_vacios(datos: dict) -> dict:
    """Quita campos vacíos para que el archivo exportado sea legible (False y 0 se conservan)."""
    return {k: v for k, v in datos.items() if v not in ("", None, [], {})}
