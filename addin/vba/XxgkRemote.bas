Attribute VB_Name = "XxgkRemote"
' The add-in's second mode, server (baosong pingtai) (portal): chosen by IT with the config key XXGK_SERVER (the portal's URL,
' written by `xxgk addin install --server URL [--token T]`). Every button then posts the open book to the portal
' through xlwings' VBA web client (the vendored Remote.bas, RunServerPython) and applies the actions the portal
' answers with (addin/PROTOCOL.md); nothing but the .xlam is needed on the PC.
'
' Around the call: each protected sheet is unprotected with the empty password (the template's protection)
' and protected again afterwards with the same allowances, the workbook structure likewise; a sheet or a
' structure with a real password stops the click before anything is read or changed. Extras(wb) is what
' Remote.bas sends under the "xxgk" key (patch 1): the template stamp, and the formula and fill of each
' single-cell defined name (the template's cells; a few hundred in-process calls). The Subs at the end are
' xlwings actions the vendored Remote.bas (0.37.8) does not implement. ASCII only: Chinese texts are in XxgkText.
Option Explicit

Private Const SERVER_KEY As String = "XXGK_SERVER"
Private Const TOKEN_KEY As String = "XXGK_TOKEN"
Private Const NO_FILL As Long = -4142 ' xlColorIndexNone

Public Function ServerUrl() As String
    ServerUrl = Trim(GetConfig(SERVER_KEY, ""))
    Do While Right(ServerUrl, 1) = "/"
        ServerUrl = Left(ServerUrl, Len(ServerUrl) - 1)
    Loop
End Function

Public Function ServerMode() As Boolean
    ServerMode = ServerUrl() <> ""
End Function

Public Sub Click(ByVal endpoint As String)
    ' endpoint: validate, clear or submit (POST <server>/addin/<endpoint>)
    Dim wb As Workbook, token As String, auth As String
    Set wb = ActiveWorkbook
    token = Trim(GetConfig(TOKEN_KEY, ""))
    If endpoint = "submit" And token = "" Then
        ShowMessage ZhNoToken(), vbExclamation
        Exit Sub
    End If
    If token <> "" Then auth = "Bearer " & token
    Dim states As Collection, structure As Boolean
    If Not UnprotectAll(wb, states, structure) Then Exit Sub
    Dim updating As Boolean
    updating = Application.ScreenUpdating
    On Error GoTo Restore
    Application.ScreenUpdating = False
    RunServerPython ServerUrl() & "/addin/" & endpoint, auth:=auth
Restore:
    Dim failure As Long, detail As String
    failure = Err.Number
    detail = Err.Description
    On Error Resume Next
    ProtectAgain wb, states, structure
    Application.ScreenUpdating = updating
    On Error GoTo 0
    If failure <> 0 Then Err.Raise failure, , detail
End Sub

Private Function UnprotectAll(wb As Workbook, states As Collection, structure As Boolean) As Boolean
    ' True when every protected sheet (and the structure) opened with the empty password; else nothing changed.
    Set states = New Collection
    If wb.ProtectStructure Then
        On Error Resume Next
        wb.Unprotect ""
        If Err.Number <> 0 Or wb.ProtectStructure Then
            On Error GoTo 0
            ShowMessage ZhStructurePassword(), vbExclamation
            Exit Function
        End If
        On Error GoTo 0
        structure = True
    End If
    Dim ws As Worksheet
    For Each ws In wb.Worksheets
        If ws.ProtectContents Then
            Dim state As Variant
            state = Allowances(ws)
            On Error Resume Next
            ws.Unprotect ""
            If Err.Number <> 0 Or ws.ProtectContents Then
                On Error GoTo 0
                ProtectAgain wb, states, structure
                ShowMessage ZhSheetPassword() & ws.Name, vbExclamation
                Exit Function
            End If
            On Error GoTo 0
            states.Add state
        End If
    Next
    UnprotectAll = True
End Function

Private Function Allowances(ws As Worksheet) As Variant
    With ws.Protection
        Allowances = Array(ws.Name, ws.ProtectDrawingObjects, ws.ProtectScenarios, .AllowFormattingCells, _
            .AllowFormattingColumns, .AllowFormattingRows, .AllowInsertingColumns, .AllowInsertingRows, _
            .AllowInsertingHyperlinks, .AllowDeletingColumns, .AllowDeletingRows, .AllowSorting, .AllowFiltering, _
            .AllowUsingPivotTables)
    End With
End Function

Private Sub ProtectAgain(wb As Workbook, states As Collection, structure As Boolean)
    Dim s As Variant
    On Error Resume Next ' a sheet the actions deleted is skipped
    For Each s In states
        wb.Worksheets(s(0)).Protect Password:="", DrawingObjects:=s(1), Contents:=True, Scenarios:=s(2), _
            AllowFormattingCells:=s(3), AllowFormattingColumns:=s(4), AllowFormattingRows:=s(5), _
            AllowInsertingColumns:=s(6), AllowInsertingRows:=s(7), AllowInsertingHyperlinks:=s(8), _
            AllowDeletingColumns:=s(9), AllowDeletingRows:=s(10), AllowSorting:=s(11), AllowFiltering:=s(12), _
            AllowUsingPivotTables:=s(13)
    Next
    If structure Then wb.Protect Password:="", structure:=True
End Sub

Public Function Extras(wb As Workbook) As Dictionary
    Dim out As New Dictionary, props As New Dictionary, formulas As New Dictionary, fills As New Dictionary
    out.Add "protocol", 1
    out.Add "client", "xxgk.xlam"
    Dim p As Object
    On Error Resume Next
    For Each p In wb.CustomDocumentProperties
        props(p.Name) = CStr(p.Value)
    Next
    On Error GoTo 0
    Dim n As Name, r As Range, where As String, a1 As String
    For Each n In wb.Names
        Set r = Nothing
        On Error Resume Next
        Set r = n.RefersToRange
        On Error GoTo 0
        If Not r Is Nothing Then
            If r.Cells.CountLarge = 1 Then
                where = r.Worksheet.Name
                a1 = r.Address(False, False)
                If r.HasFormula Then SheetDict(formulas, where)(a1) = r.Formula
                If r.Interior.ColorIndex = NO_FILL Then
                    SheetDict(fills, where)(a1) = Null
                Else
                    SheetDict(fills, where)(a1) = HexColor(r.Interior.Color)
                End If
            End If
        End If
    Next
    out.Add "properties", props
    out.Add "formulas", formulas
    out.Add "fills", fills
    Set Extras = out
End Function

Private Function SheetDict(d As Dictionary, ByVal key As String) As Dictionary
    If Not d.Exists(key) Then d.Add key, New Dictionary
    Set SheetDict = d(key)
End Function

Private Function HexColor(ByVal bgr As Long) As String
    HexColor = "#" & Right("0" & Hex(bgr Mod 256), 2) & Right("0" & Hex((bgr \ 256) Mod 256), 2) & _
        Right("0" & Hex((bgr \ 65536) Mod 256), 2)
End Function

Public Sub ShowMessage(ByVal message As String, ByVal icon As Long)
    ' The add-in's one message box (XxgkRibbon uses it too): WScript.Shell's Popup keeps Unicode, MsgBox is the fallback.
    #If Mac Then
        MsgBox message, icon, ZhTitle()
    #Else
        On Error GoTo Fallback
        CreateObject("WScript.Shell").Popup message, 0, ZhTitle(), icon + 4096 ' vbSystemModal: never behind Excel
        Exit Sub
Fallback:
        MsgBox message, icon + vbSystemModal, ZhTitle()
    #End If
End Sub

' ---- xlwings actions missing from the vendored Remote.bas (xlwings 0.37.8 sends them to other clients) ----

Sub setColumnWidth(wb As Workbook, action As Dictionary)
    GetRange(wb, action).ColumnWidth = action("args")(1)
End Sub

Sub setRowHidden(wb As Workbook, action As Dictionary)
    GetRange(wb, action).EntireRow.Hidden = action("args")(1)
End Sub

Sub setWrapText(wb As Workbook, action As Dictionary)
    GetRange(wb, action).WrapText = action("args")(1)
End Sub

Sub setFontProperty(wb As Workbook, action As Dictionary)
    With GetRange(wb, action).Font
        Select Case action("args")(1)
        Case "bold"
            .Bold = action("args")(2)
        Case "italic"
            .Italic = action("args")(2)
        Case "size"
            .Size = action("args")(2)
        Case "color"
            .Color = HexToRgb(action("args")(2))
        Case "name"
            .Name = action("args")(2)
        End Select
    End With
End Sub
