Attribute VB_Name = "XxgkRibbon"
' Ribbon callbacks of the xxgk add-in: one Sub per onAction in addin/customUI.xml.
'
' Each button runs its Python entry point in xxgk.addin.buttons through xlwings' RunPython (the Python
' side shows its own Chinese alerts). Whatever fails here, before or around Python, ends in a Chinese
' message box. Keep this module ASCII (code page 1252): the Chinese texts are the Zh* functions of
' XxgkText, generated from addin/texts.zh.txt. The RunPython command must not contain double quotes.
Option Explicit

Private Const ENTRY_POINT As String = "import xxgk.addin.buttons as b; b."

Sub OnValidate(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenTemplateFirst()) Then Exit Sub
    RunButton "validate()"
    Exit Sub
Failed:
    ReportFailure ZhValidate()
End Sub

Sub OnClear(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenTemplateFirst()) Then Exit Sub
    RunButton "clear()"
    Exit Sub
Failed:
    ReportFailure ZhClear()
End Sub

Sub OnNewTemplate2021(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenAnyBookFirst()) Then Exit Sub
    RunButton "new_template('gb2021')"
    Exit Sub
Failed:
    ReportFailure ZhNewTemplate2021()
End Sub

Sub OnNewTemplate2019(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenAnyBookFirst()) Then Exit Sub
    RunButton "new_template('gb2019')"
    Exit Sub
Failed:
    ReportFailure ZhNewTemplate2019()
End Sub

Sub OnConsolidate(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenAnyBookFirst()) Then Exit Sub
    RunButton "consolidate()"
    Exit Sub
Failed:
    ReportFailure ZhConsolidate()
End Sub

Sub OnHelp(control As IRibbonControl)
    On Error GoTo Failed
    If NoBook(ZhOpenAnyBookFirst()) Then Exit Sub
    RunButton "help()"
    Exit Sub
Failed:
    ReportFailure ZhHelp()
End Sub

Private Sub RunButton(ByVal pythonCall As String)
    ' RunPython needs an active workbook and, on Windows, an interpreter that exists: say so in Chinese
    ' instead of xlwings' English "Could not find Interpreter!" or a cmd.exe error.
    If InterpreterMissing() Then Exit Sub
    RunPython ENTRY_POINT & pythonCall
End Sub

Private Function NoBook(ByVal message As String) As Boolean
    If ActiveWorkbook Is Nothing Then
        Alert message, vbExclamation
        NoBook = True
    End If
End Function

Private Function InterpreterMissing() As Boolean
    #If Mac Then
        InterpreterMissing = False
    #Else
        Dim interpreter As String
        interpreter = GetConfig("INTERPRETER_WIN", "")
        If interpreter = "" Then
            If GetConfig("CONDA PATH", "") <> "" Then Exit Function ' xlwings activates the conda environment itself
            Alert ZhNoInterpreter(), vbExclamation
            InterpreterMissing = True
        ElseIf Not FileExists(interpreter) Then
            Alert ZhInterpreterNotFound() & vbLf & interpreter & vbLf & vbLf & ZhReinstall(), vbExclamation
            InterpreterMissing = True
        End If
    #End If
End Function

Private Sub ReportFailure(ByVal label As String)
    ' Read Err first: the On Error statement below clears it.
    Dim detail As String
    detail = Err.Description & " (" & Err.Number & ")"
    On Error Resume Next
    Alert label & " " & ZhButtonFailed() & vbLf & detail & vbLf & vbLf & ZhSendBack(), vbCritical
End Sub

Private Sub Alert(ByVal message As String, ByVal icon As Long)
    ' VBA's MsgBox converts its text to the system code page (Chinese shows as ? on a non-Chinese
    ' Windows); WScript.Shell's Popup keeps Unicode. MsgBox remains the fallback, e.g. where security
    ' software blocks WScript.Shell.
    #If Mac Then
        MsgBox message, icon, ZhTitle()
    #Else
        On Error GoTo Fallback
        CreateObject("WScript.Shell").Popup message, 0, ZhTitle(), icon
        Exit Sub
Fallback:
        MsgBox message, icon, ZhTitle()
    #End If
End Sub
